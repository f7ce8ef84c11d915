/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/session/docker-endpoint.c: the endpoint is named only
 * when the docker CLI's choice is certain (DOCKER_HOST on a unix socket, or the
 * default context), and left to the CLI otherwise: global flags, TLS, a named
 * context from DOCKER_CONTEXT or config.json, a config the CLI would read
 * differently, and the corners where 20.10 and 28 differ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "docker-endpoint.h"
#include "util.h"

#define SOCK "unix:///var/run/docker.sock"

static char tmpdir[] = "/tmp/paks-test-endpoint-XXXXXX";
static struct strv no_args;

static void write_config(const char *dir, const char *json)
{
	cleanup_free char *path = xasprintf("%s/config.json", dir);

	assert_int_equal(mkdir_p(dir, 0700), 0);
	assert_int_equal(write_file_atomic(path, json, strlen(json), 0600), 0);
}

/* A clean environment: no docker variables, DOCKER_CONFIG and HOME in
 * the temporary directory, no config.json. */
static int setup(void **state)
{
	cleanup_free char *cfg = xasprintf("%s/cfg", tmpdir);
	cleanup_free char *home = xasprintf("%s/home", tmpdir);

	(void)state;
	rm_rf(cfg);
	rm_rf(home);
	mkdir_p(home, 0700);
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_CONTEXT");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_TLS");
	setenv("DOCKER_CONFIG", cfg, 1);
	setenv("HOME", home, 1);
	return 0;
}

/* Assert the endpoint is want (NULL: left to the CLI). */
static void expect(const struct strv *args, const char *want)
{
	cleanup_free char *got = docker_endpoint(args);

	if (want)
		assert_string_equal(got, want);
	else
		assert_null(got);
}

static void config(const char *json)
{
	write_config(getenv("DOCKER_CONFIG"), json);
}

static void test_no_config_is_default_socket(void **state)
{
	(void)state;
	expect(&no_args, SOCK);
}

static void test_config_current_context(void **state)
{
	(void)state;
	config("{\"auths\": {}}");
	expect(&no_args, SOCK);
	config("{\"currentContext\": \"default\"}");
	expect(&no_args, SOCK);
	config("{\"currentContext\": \"\"}");
	expect(&no_args, SOCK);
	config("{\"currentContext\": \"remote\"}");
	expect(&no_args, NULL);
}

static void test_config_unreadable(void **state)
{
	(void)state;
	config("{\"currentContext\": ");
	expect(&no_args, NULL);
	config("[]");
	expect(&no_args, NULL);
	config("{\"currentContext\": 1}");
	expect(&no_args, NULL);
}

static void test_config_in_home(void **state)
{
	cleanup_free char *dir = xasprintf("%s/.docker", getenv("HOME"));

	(void)state;
	unsetenv("DOCKER_CONFIG");
	expect(&no_args, SOCK);
	write_config(dir, "{\"currentContext\": \"remote\"}");
	expect(&no_args, NULL);
	/* An empty DOCKER_CONFIG is ~/.docker too. */
	setenv("DOCKER_CONFIG", "", 1);
	expect(&no_args, NULL);
	/* No HOME: 20.10 asks the user database. */
	unsetenv("DOCKER_CONFIG");
	setenv("HOME", "", 1);
	expect(&no_args, NULL);
}

static void test_docker_host(void **state)
{
	(void)state;
	setenv("DOCKER_HOST", "unix:///run/other.sock", 1);
	expect(&no_args, "unix:///run/other.sock");
	/* A non-empty DOCKER_HOST wins over contexts in every CLI. */
	config("{\"currentContext\": \"remote\"}");
	setenv("DOCKER_CONTEXT", "remote", 1);
	expect(&no_args, "unix:///run/other.sock");
	/* tcp:// as it is: docker-api.c reaches the forms it can. */
	setenv("DOCKER_HOST", "tcp://10.0.0.1:2376", 1);
	expect(&no_args, "tcp://10.0.0.1:2376");
	setenv("DOCKER_HOST", "tcp://localhost", 1);
	expect(&no_args, "tcp://localhost");
	/* Not with TLS, which docker-api.c does not speak. */
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	expect(&no_args, NULL);
	unsetenv("DOCKER_TLS_VERIFY");
	setenv("DOCKER_TLS", "1", 1);
	expect(&no_args, NULL);
	unsetenv("DOCKER_TLS");
}

static void test_docker_host_left_to_cli(void **state)
{
	static const char *const hosts[] = {"",
					    "tcp://host:2375 ",
					    "ssh://me@host",
					    "/var/run/docker.sock",
					    "unix://",
					    "unix://rel.sock",
					    " unix:///x.sock",
					    "unix:///x.sock ",
					    "unix:///a://b",
					    "fd://",
					    NULL};

	(void)state;
	for (int i = 0; hosts[i]; i++) {
		setenv("DOCKER_HOST", hosts[i], 1);
		expect(&no_args, NULL);
	}
}

static void test_docker_context(void **state)
{
	(void)state;
	setenv("DOCKER_CONTEXT", "default", 1);
	config("{\"currentContext\": \"remote\"}");
	expect(&no_args, SOCK);
	setenv("DOCKER_CONTEXT", "remote", 1);
	expect(&no_args, NULL);
	/* "" is a context named "" in 20.10, the config's choice in 28. */
	setenv("DOCKER_CONTEXT", "", 1);
	config("{}");
	expect(&no_args, NULL);
}

static void test_engine_args(void **state)
{
	static const char *const flags[] = {
	    "-H",	"--host=unix:///x", "-c", "--context",
	    "--config", "--debug",	    NULL};

	(void)state;
	setenv("DOCKER_HOST", "unix:///run/other.sock", 1);
	for (int i = 0; flags[i]; i++) {
		struct strv args = {0};
		strv_push(&args, flags[i]);
		expect(&args, NULL);
		strv_free(&args);
	}
}

static void test_tls(void **state)
{
	(void)state;
	setenv("DOCKER_TLS_VERIFY", "", 1);
	setenv("DOCKER_TLS", "", 1);
	expect(&no_args, SOCK);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	expect(&no_args, NULL);
	unsetenv("DOCKER_TLS_VERIFY");
	setenv("DOCKER_TLS", "1", 1);
	expect(&no_args, NULL);
	setenv("DOCKER_HOST", "unix:///run/other.sock", 1);
	expect(&no_args, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_no_config_is_default_socket, setup),
	    cmocka_unit_test_setup(test_config_current_context, setup),
	    cmocka_unit_test_setup(test_config_unreadable, setup),
	    cmocka_unit_test_setup(test_config_in_home, setup),
	    cmocka_unit_test_setup(test_docker_host, setup),
	    cmocka_unit_test_setup(test_docker_host_left_to_cli, setup),
	    cmocka_unit_test_setup(test_docker_context, setup),
	    cmocka_unit_test_setup(test_engine_args, setup),
	    cmocka_unit_test_setup(test_tls, setup),
	};
	int r;

	if (!mkdtemp(tmpdir))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rm_rf(tmpdir);
	return r;
}
