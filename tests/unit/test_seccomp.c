/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/session/seccomp.c: the profile derived from an engine's
 * default refuses TIOCSTI and TIOCLINUX whatever the request's high bits,
 * allows every other ioctl as before, leaves the rest of the profile as
 * it was but for the x32 architecture, and is derived once.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine.h"
#include "seccomp.h"
#include "session.h"
#include "util.h"

static const char small[] =
    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
    "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}],"
    "\"syscalls\":["
    "{\"names\":[\"read\",\"ioctl\",\"write\"],\"action\":"
    "\"SCMP_ACT_ALLOW\",\"args\":[],\"includes\":{\"minKernel\":\"4.8\"}},"
    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
    "[{\"index\":0,\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]},"
    "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
    "\"excludes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}}]}";

static json_t *derive_json(const char *profile)
{
	char *out = NULL, *cause = NULL;
	json_t *j;

	if (seccomp_derive(profile, strlen(profile), &out, &cause) < 0)
		fail_msg("derive failed: %s", cause);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	free(out);
	return j;
}

static bool is_paks_rule(json_t *e)
{
	const char *c = json_string_value(json_object_get(e, "comment"));

	return c && str_has_prefix(c, "paks:");
}

static uint64_t arg_u64(json_t *rule, const char *key)
{
	json_t *a = json_array_get(json_object_get(rule, "args"), 0);

	return (uint64_t)json_integer_value(json_object_get(a, key));
}

/* What the derived rules do with ioctl request REQ, as the kernel's
 * filter would: 1 refused (EPERM), 0 allowed, -1 neither (the default
 * action), 2 both (a conflict). */
static int verdict(json_t *syscalls, uint64_t req)
{
	size_t i;
	json_t *e;
	bool allow = false, refuse = false;

	json_array_foreach(syscalls, i, e)
	{
		json_t *a = json_array_get(json_object_get(e, "args"), 0);
		const char *action =
		    json_string_value(json_object_get(e, "action"));
		uint64_t mask = arg_u64(e, "value");
		if (!is_paks_rule(e))
			continue;
		assert_int_equal(
		    json_integer_value(json_object_get(a, "index")), 1);
		assert_string_equal(json_string_value(json_object_get(a, "op")),
				    "SCMP_CMP_MASKED_EQ");
		/* Only the low 32 bits are ever looked at. */
		assert_true(mask <= UINT32_MAX);
		if ((req & mask) != arg_u64(e, "valueTwo"))
			continue;
		if (str_eq(action, "SCMP_ACT_ALLOW"))
			allow = true;
		else if (str_eq(action, "SCMP_ACT_ERRNO"))
			refuse = true;
	}
	return allow && refuse ? 2 : refuse ? 1 : allow ? 0 : -1;
}

static void test_semantics(void **state)
{
	static const uint64_t high[] = {0, UINT64_C(1) << 32,
					UINT64_C(0xffffffff00000000),
					UINT64_C(0xdead00000000)};
	json_t *j = derive_json(small);
	json_t *sys = json_object_get(j, "syscalls");

	(void)state;
	for (size_t h = 0; h < sizeof(high) / sizeof(high[0]); h++) {
		for (uint64_t low = 0; low <= 0xffff; low++) {
			uint64_t req = high[h] | low;
			int want = low == TIOCSTI || low == TIOCLINUX ? 1 : 0;
			if (verdict(sys, req) != want)
				fail_msg("request %#llx: %d, want %d",
					 (unsigned long long)req,
					 verdict(sys, req), want);
		}
	}
	/* Requests with bits set above 16 (sign-extended ones too). */
	assert_int_equal(verdict(sys, UINT64_C(0xffffffffc0045401)), 0);
	assert_int_equal(verdict(sys, UINT64_C(0x80045412)), 0);
	assert_int_equal(verdict(sys, UINT64_C(0x00015412)), 0);
	json_decref(j);
}

/* The derived profile with paks's rules taken out and ioctl put back is
 * the original. */
static void test_rest_unchanged(void **state)
{
	json_t *orig = json_loads(small, 0, NULL);
	json_t *j = derive_json(small);
	json_t *sys = json_object_get(j, "syscalls");
	size_t refusals = 0, allows = 0;

	(void)state;
	for (size_t i = json_array_size(sys); i-- > 0;) {
		json_t *e = json_array_get(sys, i);
		if (!is_paks_rule(e))
			continue;
		if (str_eq(json_string_value(json_object_get(e, "action")),
			   "SCMP_ACT_ERRNO")) {
			refusals++;
			assert_int_equal(
			    json_integer_value(json_object_get(e, "errnoRet")),
			    1);
			assert_int_equal(arg_u64(e, "value"), UINT32_MAX);
		} else {
			allows++;
			/* The replaced rule's conditions come along. */
			assert_true(json_equal(
			    json_object_get(e, "includes"),
			    json_object_get(
				json_array_get(
				    json_object_get(orig, "syscalls"), 0),
				"includes")));
		}
		json_array_remove(sys, i);
	}
	assert_int_equal(refusals, 2);
	assert_true(allows > 0);
	json_array_insert_new(json_object_get(json_array_get(sys, 0), "names"),
			      1, json_string("ioctl"));
	assert_true(json_equal(orig, j));
	json_decref(orig);
	json_decref(j);
}

/* x32 leaves the architectures, as a sub-architecture and in the older
 * top-level list; the others stay in their order. */
static void test_x32(void **state)
{
	static const char arches[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\","
	    "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X32\","
	    "\"SCMP_ARCH_X86\"],"
	    "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
	    "\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},"
	    "{\"architecture\":\"SCMP_ARCH_AARCH64\","
	    "\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],"
	    "\"syscalls\":[{\"names\":[\"ioctl\"],"
	    "\"action\":\"SCMP_ACT_ALLOW\"}]}";
	json_t *j = derive_json(arches);
	json_t *want = json_loads(
	    "{\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
	    "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
	    "\"subArchitectures\":[\"SCMP_ARCH_X86\"]},"
	    "{\"architecture\":\"SCMP_ARCH_AARCH64\","
	    "\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}]}",
	    0, NULL);

	(void)state;
	assert_true(json_equal(json_object_get(j, "architectures"),
			       json_object_get(want, "architectures")));
	assert_true(json_equal(json_object_get(j, "archMap"),
			       json_object_get(want, "archMap")));
	json_decref(want);
	json_decref(j);
}

static void test_once(void **state)
{
	char *a = NULL, *b = NULL, *cause = NULL;

	(void)state;
	assert_int_equal(seccomp_derive(small, strlen(small), &a, &cause), 0);
	assert_int_equal(seccomp_derive(a, strlen(a), &b, &cause), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* An entry that allows only ioctl goes; with no allow at all, only the
 * refusals are added. */
static void test_ioctl_alone(void **state)
{
	static const char alone[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	    "{\"names\":[\"ioctl\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";
	static const char none[] =
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	    "{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
	json_t *j = derive_json(alone);
	json_t *sys = json_object_get(j, "syscalls");

	(void)state;
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_array_get(sys, 0), "names"), 0)),
	    "read");
	assert_int_equal(verdict(sys, TIOCSTI), 1);
	assert_int_equal(verdict(sys, TIOCGWINSZ), 0);
	json_decref(j);
	j = derive_json(none);
	sys = json_object_get(j, "syscalls");
	assert_int_equal(json_array_size(sys), 3);
	assert_int_equal(verdict(sys, TIOCSTI | (UINT64_C(1) << 40)), 1);
	assert_int_equal(verdict(sys, TIOCGWINSZ), -1);
	json_decref(j);
}

static void expect_error(const char *profile, const char *words)
{
	char *out = NULL, *cause = NULL;

	assert_int_equal(seccomp_derive(profile, strlen(profile), &out, &cause),
			 -1);
	assert_null(out);
	assert_non_null(cause);
	if (!strstr(cause, words))
		fail_msg("'%s' does not say '%s'", cause, words);
	free(cause);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{\"syscalls\": [", "not JSON");
	expect_error("", "not JSON");
	expect_error("[]", "no \"syscalls\" list");
	expect_error("{\"syscalls\": {}}", "no \"syscalls\" list");
	expect_error("{\"syscalls\": [1]}", "not an object");
	/* ioctl rules that are not one plain allow are left to the user. */
	expect_error("{\"syscalls\":[{\"names\":[\"ioctl\"],\"action\":"
		     "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":1,"
		     "\"op\":\"SCMP_CMP_EQ\"}]}]}",
		     "ioctl");
	expect_error("{\"syscalls\":[{\"names\":[\"ioctl\"],\"action\":"
		     "\"SCMP_ACT_ALLOW\"},{\"names\":[\"ioctl\"],\"action\":"
		     "\"SCMP_ACT_ALLOW\"}]}",
		     "ioctl");
	expect_error("{\"syscalls\":[{\"name\":\"ioctl\",\"action\":"
		     "\"SCMP_ACT_LOG\"}]}",
		     "ioctl");
}

/* The moby profile paks ships derives, and no unconditional rule allows
 * ioctl any more. */
static void test_moby(void **state)
{
	size_t len;
	const char *moby = seccomp_moby_default(&len);
	char *out = NULL, *cause = NULL;
	json_t *j, *e;
	size_t i;

	(void)state;
	assert_true(len > 1000);
	assert_int_equal(moby[len], '\0');
	if (seccomp_derive(moby, len, &out, &cause) < 0)
		fail_msg("%s", cause);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	json_array_foreach(json_object_get(j, "syscalls"), i, e)
	{
		json_t *n;
		size_t k;
		if (is_paks_rule(e))
			continue;
		json_array_foreach(json_object_get(e, "names"), k, n)
		{
			assert_string_not_equal(json_string_value(n), "ioctl");
		}
	}
	assert_int_equal(verdict(json_object_get(j, "syscalls"), TIOCSTI), 1);
	assert_int_equal(verdict(json_object_get(j, "syscalls"), TCGETS), 0);
	json_decref(j);
	free(out);
}

/* A stand-in engine whose default profile is the file fake_source, or
 * its seccomp off when fake_off. */
static char *fake_source;
static bool fake_off;
static int fake_calls;

static int fake_default(const struct engine_handle *h, struct strv *deps,
			char **path)
{
	(void)h;
	(void)deps;
	fake_calls++;
	*path = xstrdup(fake_source);
	return fake_off ? 1 : 0;
}

static const struct engine fake_engine = {
    .name = "fake",
    .seccomp_default = fake_default,
};

static void write_text(const char *path, const char *text)
{
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0600), 0);
}

/* Derived once, then taken from the cache until the source changes; the
 * profile lives in the cache, never in a runtime directory. */
static void test_cache(void **state)
{
	char dir[] = "/tmp/paks-seccomp-test.XXXXXX";
	struct session s = {.eng.engine = &fake_engine};
	char *path = NULL, *cause = NULL, *text = NULL;
	cleanup_free char *want = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_CACHE_HOME", dir, 1);
	fake_source = xasprintf("%s/source.json", dir);
	want = xasprintf("%s/paks/seccomp/fake-", dir);
	write_text(fake_source, small);

	assert_int_equal(seccomp_profile(&s, &path, &cause), 0);
	assert_true(str_has_prefix(path, want));
	assert_true(str_eq(path + strlen(path) - 5, ".json"));
	assert_int_equal(read_file(path, 1 << 20, &text, NULL), 0);
	assert_non_null(strstr(text, "paks:"));
	free(text);
	free(path);
	assert_int_equal(fake_calls, 1);

	assert_int_equal(seccomp_profile(&s, &path, &cause), 0);
	assert_int_equal(fake_calls, 1);

	/* A key that is not paks's own is derived again. */
	{
		cleanup_free char *key = path;
		strcpy(key + strlen(key) - 5, ".key");
		write_text(key, "\nprofile\n");
		assert_int_equal(seccomp_profile(&s, &path, &cause), 0);
		free(path);
		assert_int_equal(fake_calls, 2);
		fake_calls = 1;
	}

	/* A changed source is noticed (its size differs). */
	write_text(fake_source, "{\"syscalls\": 1}");
	assert_int_equal(seccomp_profile(&s, &path, &cause), 1);
	assert_non_null(strstr(cause, "no \"syscalls\" list"));
	assert_non_null(strstr(cause, fake_source));
	free(cause);
	cause = NULL;
	assert_int_equal(fake_calls, 2);
	/* ...and the verdict is cached too. */
	assert_int_equal(seccomp_profile(&s, &path, &cause), 1);
	assert_non_null(strstr(cause, "no \"syscalls\" list"));
	free(cause);
	cause = NULL;
	assert_int_equal(fake_calls, 2);

	/* seccomp turned off in the engine's configuration. */
	write_text(fake_source, small);
	fake_off = true;
	assert_int_equal(seccomp_profile(&s, &path, &cause), 1);
	assert_non_null(strstr(cause, "turns seccomp off"));
	free(cause);
	fake_off = false;
	free(fake_source);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_semantics),
	    cmocka_unit_test(test_rest_unchanged),
	    cmocka_unit_test(test_x32),
	    cmocka_unit_test(test_once),
	    cmocka_unit_test(test_ioctl_alone),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_moby),
	    cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
