/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the image cache: its file names, a round trip, and the
 * entries it must not take (another engine scope, another name, a damaged
 * file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "image-cache.h"
#include "session.h"
#include "util.h"

static char cache_home[] = "/tmp/paks-test-image-cache.XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(cache_home))
		return -1;
	setenv("XDG_CACHE_HOME", cache_home, 1);
	unsetenv("CONTAINERS_CONF");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return rm_rf(cache_home);
}

static void session_init(struct session *s, const char *image)
{
	memset(s, 0, sizeof(*s));
	s->eng.path = xstrdup("podman");
	s->image = xstrdup(image);
}

static void session_done(struct session *s)
{
	free(s->eng.path);
	free(s->image);
	free(s->image_id);
	free(s->image_author);
	json_decref(s->image_config);
	strv_free(&s->eng.args);
}

static void test_key(void **state)
{
	char a[17], b[17], c[17];

	(void)state;
	/* FNV-1a 64 over "scope\0ref\0". */
	image_cache_key("scope", "ref", a);
	assert_string_equal(a, "6bed80aef3686ba2");
	/* Where the scope ends and the name begins counts. */
	image_cache_key("ab", "c", b);
	image_cache_key("a", "bc", c);
	assert_string_not_equal(b, c);
	assert_int_equal(strlen(b), 16);
}

static void test_round_trip(void **state)
{
	struct session s, t;

	(void)state;
	session_init(&s, "localhost/a/b:1");
	assert_false(image_cache_load(&s));
	s.image_id = xstrdup("1234abcd");
	s.image_author = xstrdup("paks save from x");
	s.image_config =
	    json_pack("{s:s, s:[s]}", "User", "alice", "Env", "A=b c");
	image_cache_store(&s);

	session_init(&t, "localhost/a/b:1");
	assert_true(image_cache_load(&t));
	assert_string_equal(t.image_id, "1234abcd");
	assert_string_equal(t.image_author, "paks save from x");
	assert_true(json_equal(t.image_config, s.image_config));
	session_done(&t);

	image_cache_drop(&s);
	session_init(&t, "localhost/a/b:1");
	assert_false(image_cache_load(&t));
	session_done(&t);
	session_done(&s);
}

static void test_other_scope_or_name(void **state)
{
	struct session s, t;

	(void)state;
	session_init(&s, "img");
	s.image_id = xstrdup("99");
	s.image_author = xstrdup("");
	s.image_config = json_object();
	image_cache_store(&s);

	/* Another engine, other global flags, another storage config. */
	session_init(&t, "img");
	free(t.eng.path);
	t.eng.path = xstrdup("docker");
	assert_false(image_cache_load(&t));
	session_done(&t);
	session_init(&t, "img");
	strv_push(&t.eng.args, "--root=/elsewhere");
	assert_false(image_cache_load(&t));
	session_done(&t);
	setenv("CONTAINERS_CONF", "/other.conf", 1);
	session_init(&t, "img");
	assert_false(image_cache_load(&t));
	session_done(&t);
	unsetenv("CONTAINERS_CONF");
	session_init(&t, "img:2");
	assert_false(image_cache_load(&t));
	session_done(&t);
	session_init(&t, "img");
	assert_true(image_cache_load(&t));
	session_done(&t);
	session_done(&s);
}

/* A damaged or foreign file in the cache is a miss, never a crash. */
static void test_damaged(void **state)
{
	static const char *bad[] = {
	    "", "{", "[]", "{\"Id\":\"x\"}",
	    "{\"scope\":\"%1$s\",\"ref\":\"d\",\"Id\":1,"
	    "\"Author\":\"\",\"Config\":{}}",
	    "{\"scope\":\"%1$s\",\"ref\":\"d\",\"Id\":\"\","
	    "\"Author\":\"\",\"Config\":{}}",
	    "{\"scope\":\"%1$s\",\"ref\":\"d\",\"Id\":\"x\","
	    "\"Author\":\"\",\"Config\":[]}",
	    /* Whole entries of another scope or name, as a clash of
	     * their hashes would leave them. */
	    "{\"scope\":\"docker uid=0\",\"ref\":\"d\",\"Id\":\"x\","
	    "\"Author\":\"\",\"Config\":{}}",
	    "{\"scope\":\"%1$s\",\"ref\":\"e\",\"Id\":\"x\","
	    "\"Author\":\"\",\"Config\":{}}"};
	struct session s;

	(void)state;
	session_init(&s, "d");
	s.image_id = xstrdup("x");
	s.image_author = xstrdup("");
	s.image_config = json_object();
	image_cache_store(&s);
	session_done(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_free char *dir = paks_cache_dir("images");
		char key[17], *path, *scope;
		session_init(&s, "d");
		scope = xasprintf("podman uid=%ld", (long)geteuid());
		image_cache_key(scope, "d", key);
		path = xasprintf("%s/%s", dir, key);
		cleanup_free char *txt = xasprintf(bad[i], scope);
		assert_int_equal(
		    write_file_atomic(path, txt, strlen(txt), 0600), 0);
		assert_false(image_cache_load(&s));
		assert_null(s.image_id);
		free(path);
		free(scope);
		session_done(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_other_scope_or_name),
	    cmocka_unit_test(test_damaged),
	};
	return cmocka_run_group_tests_name("image-cache", tests, setup,
					   teardown);
}
