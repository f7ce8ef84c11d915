/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for settings.c and settings-yaml.c: every error path of the YAML
 * reader (with file and line in the message), hostile input that must not
 * crash, settings_apply for `paks run -s`, and the one-key text edit behind
 * `paks config set`.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "settings.h"
#include "util.h"

/* Parse text onto defaults; returns the result, *err set on failure. */
static int parse(struct settings *s, const char *text, char **err)
{
	settings_defaults(s);
	*err = NULL;
	return settings_parse(s, text, strlen(text), "/c/settings.yml", err);
}

static void expect_error(const char *text, const char *want)
{
	struct settings s;
	char *err = NULL;

	assert_int_equal(parse(&s, text, &err), -EINVAL);
	assert_non_null(err);
	if (strcmp(err, want) != 0)
		fail_msg("error '%s', wanted '%s'", err, want);
	/* A failed load leaves the defaults alone. */
	assert_string_equal(s.mode, "auto");
	assert_string_equal(s.container_shell, "/bin/bash");
	free(err);
	settings_free(&s);
}

/* Only the start is fixed (libyaml words its own problems). */
static void expect_error_prefix(const char *text, size_t len,
				const char *prefix)
{
	struct settings s;
	char *err = NULL;

	settings_defaults(&s);
	assert_int_equal(settings_parse(&s, text, len, "/c/settings.yml", &err),
			 -EINVAL);
	assert_non_null(err);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("error '%s', wanted it to start with '%s'", err,
			 prefix);
	free(err);
	settings_free(&s);
}

static void test_defaults(void **state)
{
	struct settings s;

	(void)state;
	settings_defaults(&s);
	assert_string_equal(s.container_tech, "auto");
	assert_string_equal(s.container_shell, "/bin/bash");
	assert_null(s.user);
	assert_null(s.config_editor);
	assert_null(s.hooks_path);
	assert_string_equal(s.mode, "auto");
	assert_false(s.cp_unconfined);
	assert_string_equal(s.save_suffix, "-saved");
	assert_false(s.save_squash);
	settings_free(&s);
	settings_free(&s); /* freeing twice is harmless */
}

static void test_full_file(void **state)
{
	struct settings s;
	char *err = NULL;

	(void)state;
	assert_int_equal(parse(&s,
			       "# comment\n"
			       "container_tech: podman\n"
			       "container_shell: /bin/sh -l\n"
			       "user: \"dev:staff\"\n"
			       "config_editor: code --wait\n"
			       "hooks_path:\n"
			       "  - /opt/hooks\n"
			       "  - ~/hooks\n"
			       "mode: PTY   # case does not matter\n"
			       "cp_unconfined: yes\n"
			       "save_suffix: -dev\n"
			       "save_squash: True\n",
			       &err),
			 0);
	assert_string_equal(s.container_tech, "podman");
	assert_string_equal(s.container_shell, "/bin/sh -l");
	assert_string_equal(s.user, "dev:staff");
	assert_string_equal(s.config_editor, "code --wait");
	assert_non_null(s.hooks_path);
	assert_string_equal(s.hooks_path[0], "/opt/hooks");
	assert_string_equal(s.hooks_path[1], "~/hooks");
	assert_null(s.hooks_path[2]);
	assert_string_equal(s.mode, "pty");
	assert_true(s.cp_unconfined);
	assert_string_equal(s.save_suffix, "-dev");
	assert_true(s.save_squash);
	assert_string_equal(settings_editor(&s), "code --wait");
	settings_free(&s);
}

static void test_hooks_path_string_and_flow(void **state)
{
	struct settings s;
	char *err = NULL;

	(void)state;
	assert_int_equal(parse(&s, "hooks_path: /one\n", &err), 0);
	assert_string_equal(s.hooks_path[0], "/one");
	assert_null(s.hooks_path[1]);
	settings_free(&s);
	assert_int_equal(parse(&s, "hooks_path: [/a, \"/b c\"]\n", &err), 0);
	assert_string_equal(s.hooks_path[1], "/b c");
	settings_free(&s);
	assert_int_equal(parse(&s, "hooks_path: []\n", &err), 0);
	assert_null(s.hooks_path); /* no list and an empty list are alike */
	settings_free(&s);
}

static void test_empty_and_null(void **state)
{
	struct settings s;
	char *err = NULL;

	(void)state;
	assert_int_equal(parse(&s, "", &err), 0);
	assert_string_equal(s.mode, "auto");
	settings_free(&s);
	assert_int_equal(parse(&s, "# only a comment\n\n", &err), 0);
	settings_free(&s);
	assert_int_equal(parse(&s, "---\n...\n", &err), 0);
	settings_free(&s);
	/* A key without a value means its default. */
	assert_int_equal(parse(&s, "mode:\nuser: ~\nsave_suffix: null\n", &err),
			 0);
	assert_string_equal(s.mode, "auto");
	assert_null(s.user);
	assert_string_equal(s.save_suffix, "-saved");
	settings_free(&s);
	/* Quoted, "~" is a string. */
	assert_int_equal(parse(&s, "config_editor: \"~\"\n", &err), 0);
	assert_string_equal(s.config_editor, "~");
	settings_free(&s);
}

static void test_missing_file(void **state)
{
	struct settings s;
	char *err = NULL;

	(void)state;
	settings_defaults(&s);
	assert_int_equal(
	    settings_load(&s, "/nonexistent/paks/settings.yml", &err), 0);
	assert_null(err);
	assert_string_equal(s.mode, "auto");
	settings_free(&s);
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_error("mode: pty\n# x\ncolour: red\n",
		     "/c/settings.yml:3: unknown key 'colour'");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("container_shell: [a, b]\n",
		     "/c/settings.yml:1: 'container_shell' must be a string, "
		     "not a list");
	expect_error("\nuser:\n  name: x\n",
		     "/c/settings.yml:3: 'user' must be a string, not a "
		     "mapping");
	expect_error("save_squash: [true]\n",
		     "/c/settings.yml:1: 'save_squash' must be true or false, "
		     "not a list");
	expect_error("hooks_path: {a: b}\n",
		     "/c/settings.yml:1: 'hooks_path' must be a list of "
		     "directories, not a mapping");
	expect_error("hooks_path:\n  - /a\n  - [/b]\n",
		     "/c/settings.yml:3: 'hooks_path' entries must be strings");
	expect_error("hooks_path: [/a, relative/dir]\n",
		     "/c/settings.yml:1: 'hooks_path' entry 'relative/dir' "
		     "must be an absolute path or start with ~/");
	expect_error("[a, b]: x\n", "/c/settings.yml:1: keys must be plain "
				    "words, not a list");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error("cp_unconfined: maybe\n",
		     "/c/settings.yml:1: invalid value 'maybe' for "
		     "'cp_unconfined' (expected true or false)");
	expect_error(
	    "mode: auto\ncontainer_tech: lxc\n",
	    "/c/settings.yml:2: invalid value 'lxc' for "
	    "'container_tech' (expected auto, podman, docker or charliecloud)");
	expect_error("mode: fast\n",
		     "/c/settings.yml:1: invalid value 'fast' for 'mode' "
		     "(expected auto, preload or pty)");
	expect_error("save_suffix: -Saved\n",
		     "/c/settings.yml:1: invalid value '-Saved' for "
		     "'save_suffix' (1 to 64 lowercase letters, digits, '.', "
		     "'_' or '-')");
	expect_error(
	    "container_shell: \"\"\n",
	    "/c/settings.yml:1: invalid value '' for 'container_shell' "
	    "(an absolute path in the container, e.g. /bin/bash)");
	/* Checked when set, not at `paks run` (issue 13.15). */
	expect_error("container_shell: bin/bash\n",
		     "/c/settings.yml:1: invalid value 'bin/bash' for "
		     "'container_shell' (an absolute path in the container, "
		     "e.g. /bin/bash)");
	static const char *const bad_users[] = {
	    "user: a b\n",   "user: -x\n",    "user: 'a:'\n", "user: ':g'\n",
	    "user: a:b:c\n", "user: $(id)\n", "user: a;b\n",  NULL,
	};
	for (size_t i = 0; bad_users[i]; i++) {
		struct settings s;
		char *err = NULL;
		settings_defaults(&s);
		assert_int_equal(settings_parse(&s, bad_users[i],
						strlen(bad_users[i]),
						"/c/settings.yml", &err),
				 -EINVAL);
		if (!strstr(err, "for 'user' (USER[:GROUP] or UID[:GID]"))
			fail_msg("%s: %s", bad_users[i], err);
		free(err);
		settings_free(&s);
	}
	expect_error("user: \"a\\nb\"\n",
		     "/c/settings.yml:1: control characters are not allowed "
		     "in 'user'");
}

static void test_structure_errors(void **state)
{
	(void)state;
	expect_error("- mode\n- pty\n",
		     "/c/settings.yml:1: expected a mapping of 'key: value' "
		     "lines, found a list");
	expect_error("just words\n",
		     "/c/settings.yml:1: expected a mapping of 'key: value' "
		     "lines, found a plain value");
	expect_error("mode: pty\n---\nmode: auto\n",
		     "/c/settings.yml:2: more than one YAML document");
	expect_error("mode: pty\nuser: a\nmode: auto\n",
		     "/c/settings.yml:3: duplicate key 'mode' (first on line "
		     "1)");
	expect_error("save_suffix: &s -x\nuser: *s\n",
		     "/c/settings.yml:2: aliases are not supported (key "
		     "'user')");
	expect_error("x: &a [1]\n", "/c/settings.yml:1: unknown key 'x'");
}

static void test_malformed_yaml(void **state)
{
	static const char nul[] = "mode: pty\nus\0er: x\n";
	static const char garbage[] = "\x80\x81\xc3\x28\x00\x01";
	static const char utf16[] = "\xff\xfe\x00\xd8\x01\x80\x81";

	(void)state;
	expect_error_prefix(
	    "mode: pty\nuser: x: y\n", 20,
	    "/c/settings.yml:2: malformed YAML: mapping values");
	expect_error_prefix("mode: pty\n}\n", 12,
			    "/c/settings.yml:2: malformed YAML: ");
	expect_error_prefix("mode: \"pty\n", 11,
			    "/c/settings.yml:2: malformed YAML: ");
	expect_error_prefix(nul, sizeof(nul) - 1,
			    "/c/settings.yml:2: malformed YAML: ");
	expect_error_prefix(garbage, sizeof(garbage) - 1,
			    "/c/settings.yml:1: malformed YAML: ");
	/* A UTF-16 byte order mark, then nonsense: any error will do. */
	expect_error_prefix(utf16, sizeof(utf16) - 1, "/c/settings.yml:1: ");
	expect_error_prefix("\t- x\n", 4, "/c/settings.yml:1: malformed YAML");
}

static void test_deep_nesting(void **state)
{
	size_t n = 100000;
	char *text = xmalloc(2 * n + 32);
	size_t len;

	(void)state;
	len = (size_t)sprintf(text, "hooks_path: ");
	memset(text + len, '[', n);
	memset(text + len + n, ']', n);
	len += 2 * n;
	text[len] = '\0';
	/* Either libyaml or our type check refuses it; no crash. */
	expect_error_prefix(text, len, "/c/settings.yml:1: ");
	free(text);
}

static void test_huge_file(void **state)
{
	char path[] = "/tmp/paks-test-settings-XXXXXX";
	int fd = mkstemp(path);
	char *big = xmalloc(2 * 1024 * 1024);
	struct settings s;
	char *err = NULL;

	(void)state;
	assert_true(fd >= 0);
	memset(big, '#', 2 * 1024 * 1024);
	assert_int_equal(write_all(fd, big, 2 * 1024 * 1024), 0);
	close(fd);
	settings_defaults(&s);
	assert_int_equal(settings_load(&s, path, &err), -EFBIG);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "too large"));
	free(err);
	settings_free(&s);
	unlink(path);
	free(big);
}

static void test_load_file_names_path(void **state)
{
	char path[] = "/tmp/paks-test-settings-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "mode: pty\n\n\ncolour: red\n";
	struct settings s;
	char *err = NULL;
	char *want = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, sizeof(text) - 1), 0);
	close(fd);
	settings_defaults(&s);
	assert_int_equal(settings_load(&s, path, &err), -EINVAL);
	want = xasprintf("%s:4: unknown key 'colour'", path);
	assert_string_equal(err, want);
	assert_string_equal(s.mode, "auto"); /* nothing half-applied */
	free(want);
	free(err);
	settings_free(&s);
	unlink(path);
}

static void test_apply(void **state)
{
	struct settings s;
	char *err = NULL;

	(void)state;
	settings_defaults(&s);
	assert_int_equal(settings_apply(&s, "mode=preload", &err), 0);
	assert_string_equal(s.mode, "preload");
	assert_int_equal(settings_apply(&s, "container_tech=Docker", &err), 0);
	assert_string_equal(s.container_tech, "docker");
	assert_int_equal(settings_apply(&s, "save_squash=1", &err), 0);
	assert_true(s.save_squash);
	assert_int_equal(settings_apply(&s, "save_squash=off", &err), 0);
	assert_false(s.save_squash);
	assert_int_equal(
	    settings_apply(&s, "container_shell=/bin/sh -c a=b", &err), 0);
	assert_string_equal(s.container_shell, "/bin/sh -c a=b");
	assert_int_equal(settings_apply(&s, "user=1000:100", &err), 0);
	assert_string_equal(s.user, "1000:100");
	assert_int_equal(settings_apply(&s, "user=", &err), 0);
	assert_null(s.user);
	assert_int_equal(settings_apply(&s, "hooks_path=/a:~/b", &err), 0);
	assert_string_equal(s.hooks_path[0], "/a");
	assert_string_equal(s.hooks_path[1], "~/b");
	assert_null(s.hooks_path[2]);
	assert_int_equal(settings_apply(&s, "hooks_path=", &err), 0);
	assert_null(s.hooks_path);
	assert_null(err);
	settings_free(&s);
}

static void expect_apply_error(const char *kv, const char *want)
{
	struct settings s;
	char *err = NULL;

	settings_defaults(&s);
	assert_int_equal(settings_apply(&s, "mode=pty", &err), 0);
	assert_int_equal(settings_apply(&s, kv, &err), -EINVAL);
	assert_non_null(err);
	if (strcmp(err, want) != 0)
		fail_msg("error '%s', wanted '%s'", err, want);
	assert_string_equal(s.mode, "pty"); /* unchanged */
	free(err);
	settings_free(&s);
}

static void test_apply_errors(void **state)
{
	(void)state;
	expect_apply_error("mode", "expected KEY=VALUE, not 'mode'");
	expect_apply_error("=pty", "expected KEY=VALUE, not '=pty'");
	expect_apply_error("mode=fast", "invalid value 'fast' for 'mode' "
					"(expected auto, preload or pty)");
	expect_apply_error("save_squash=maybe",
			   "invalid value 'maybe' for 'save_squash' "
			   "(expected true or false)");
	expect_apply_error("hooks_path=/a:rel",
			   "'hooks_path' entry 'rel' must be an absolute path "
			   "or start with ~/");
	expect_apply_error("save_suffix=", "invalid value '' for "
					   "'save_suffix' (1 to 64 lowercase "
					   "letters, digits, '.', '_' or '-')");
	expect_apply_error("colour=red",
			   "unknown key 'colour' (known keys: container_tech, "
			   "container_shell, user, config_editor, hooks_path, "
			   "mode, cp_unconfined, save_suffix, save_squash)");
}

static void test_editor_fallback(void **state)
{
	struct settings s;

	(void)state;
	settings_defaults(&s);
	setenv("VISUAL", "vis", 1);
	setenv("EDITOR", "ed", 1);
	assert_string_equal(settings_editor(&s), "vis");
	unsetenv("VISUAL");
	assert_string_equal(settings_editor(&s), "ed");
	unsetenv("EDITOR");
	assert_string_equal(settings_editor(&s), "vi");
	s.config_editor = xstrdup("nano -w");
	assert_string_equal(settings_editor(&s), "nano -w");
	settings_free(&s);
}

/* Values written by settings_value_yaml read back unchanged. */
static void test_value_yaml_round_trip(void **state)
{
	static const char *values[] = {
	    "plain", "with space", "a: b",     "x #y",	   "\"q\"", "'s'",
	    "yes",   "null",	   "~",	       "-",	   "- x",   "[a]",
	    "{a}",   "a,b",	   "tab here", "back\\sl", "$HOME", "%x",
	    "@x",    "*x",	   "&x",       "!x",	   "|x",    ">x",
	    " lead", "trail ",	   "é ü",      "1.5",	   "0x10",  "",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct settings s, t;
		char *err = NULL;
		cleanup_free char *y = NULL;
		cleanup_free char *text = NULL;
		settings_defaults(&s);
		free(s.config_editor);
		s.config_editor = xstrdup(values[i]);
		y = settings_value_yaml(&s, "config_editor");
		text =
		    xasprintf("config_editor: %s\nhooks_path: [%s]\n", y, "/x");
		if (parse(&t, text, &err) < 0)
			fail_msg("'%s' -> %s: %s", values[i], y, err);
		if (!*values[i])
			assert_null(t.config_editor);
		else if (strcmp(t.config_editor, values[i]) != 0)
			fail_msg("'%s' came back as '%s'", values[i],
				 t.config_editor);
		settings_free(&s);
		settings_free(&t);
	}
}

static void test_value_yaml_lists(void **state)
{
	struct settings s, t;
	char *err = NULL;
	cleanup_free char *y = NULL;
	cleanup_free char *text = NULL;

	(void)state;
	settings_defaults(&s);
	assert_int_equal(settings_apply(&s, "hooks_path=/a b:/c,d:~/e", &err),
			 0);
	y = settings_value_yaml(&s, "hooks_path");
	text = xasprintf("hooks_path: %s\n", y);
	assert_int_equal(parse(&t, text, &err), 0);
	assert_string_equal(t.hooks_path[0], "/a b");
	assert_string_equal(t.hooks_path[1], "/c,d");
	assert_string_equal(t.hooks_path[2], "~/e");
	assert_null(t.hooks_path[3]);
	assert_null(settings_value_yaml(&s, "nope"));
	settings_free(&s);
	settings_free(&t);
}

static void expect_edit(const char *text, const char *key, const char *line,
			const char *want)
{
	char *out = NULL, *err = NULL;

	assert_int_equal(
	    settings_edit_text(text, strlen(text), key, line, &out, &err), 0);
	if (strcmp(out, want) != 0)
		fail_msg("edit gave\n%s\nwanted\n%s", out, want);
	free(out);
}

static void test_edit_text(void **state)
{
	(void)state;
	/* Only the value changes; comments and other keys stay. */
	expect_edit("# top\nuser: bob # me\nmode: auto\n", "mode", "mode: pty",
		    "# top\nuser: bob # me\nmode: pty\n");
	expect_edit("# top\nuser: bob # me\nmode: auto\n", "user",
		    "user: alice", "# top\nuser: alice # me\nmode: auto\n");
	/* Block lists are replaced whole. */
	expect_edit("hooks_path:\n  - /a\n  - /b\nmode: pty\n", "hooks_path",
		    "hooks_path: [/c]", "hooks_path: [/c]\nmode: pty\n");
	expect_edit("hooks_path:\n- /a\n- /b\n", "hooks_path",
		    "hooks_path: [/c]", "hooks_path: [/c]\n");
	expect_edit("hooks_path: [/a,\n  /b]  # x\nmode: pty\n", "hooks_path",
		    "hooks_path: []", "hooks_path: []  # x\nmode: pty\n");
	/* Absent keys go after their commented default, else at the end. */
	expect_edit("user: x\n", "mode", "mode: pty", "user: x\nmode: pty\n");
	expect_edit("user: x", "mode", "mode: pty", "user: x\nmode: pty\n");
	expect_edit("", "mode", "mode: pty", "mode: pty\n");
	expect_edit("# a\n# mode: auto\n# b\n", "mode", "mode: pty",
		    "# a\n# mode: auto\nmode: pty\n# b\n");
	/* Removing takes the line away. */
	expect_edit("user: x\nmode: pty # c\nsave_squash: true\n", "mode", NULL,
		    "user: x\nsave_squash: true\n");
	expect_edit("user: x\n", "mode", NULL, "user: x\n");
}

static void test_template_loads_as_defaults(void **state)
{
	struct settings s;
	char *err = NULL;
	cleanup_free char *t = settings_template();
	const char *const *keys = settings_keys();

	(void)state;
	assert_int_equal(parse(&s, t, &err), 0);
	assert_string_equal(s.mode, "auto");
	for (size_t i = 0; keys[i]; i++) {
		cleanup_free char *pat = xasprintf("\n# %s:", keys[i]);
		assert_non_null(strstr(t, pat));
	}
	settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_hooks_path_string_and_flow),
	    cmocka_unit_test(test_empty_and_null),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_structure_errors),
	    cmocka_unit_test(test_malformed_yaml),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_huge_file),
	    cmocka_unit_test(test_load_file_names_path),
	    cmocka_unit_test(test_apply),
	    cmocka_unit_test(test_apply_errors),
	    cmocka_unit_test(test_editor_fallback),
	    cmocka_unit_test(test_value_yaml_round_trip),
	    cmocka_unit_test(test_value_yaml_lists),
	    cmocka_unit_test(test_edit_text),
	    cmocka_unit_test(test_template_loads_as_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
