/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for export formats and the runtime files: the format a name
 * picks, Charliecloud's /ch/environment quoting, Apptainer's env script
 * and runscript escaping, and the tar filter that drops older runtime
 * files and appends ours.
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
#include <jansson.h>

#include "export-rootfs.h"
#include "export.h"
#include "util.h"

static void test_format_of(void **state)
{
	(void)state;
	assert_int_equal(export_format_of("dev.tar"), EXPORT_DOCKER);
	assert_int_equal(export_format_of("a/dev.oci.tar"), EXPORT_OCI);
	assert_int_equal(export_format_of("dev.sqfs"), EXPORT_SQFS);
	assert_int_equal(export_format_of("x/dev.rootfs.tar"), EXPORT_ROOTFS);
	assert_int_equal(export_format_of("dev.zip"), EXPORT_NONE);
	assert_int_equal(export_format_of(".sqfs"), EXPORT_NONE);
	assert_int_equal(export_format_of("dir.sqfs/x"), EXPORT_NONE);
}

static json_t *config(void)
{
	return json_pack("{s:[ssss], s:[s], s:[ss], s:s}", "Env",
			 "PATH=/usr/bin:/bin", "FOO=bar with 'q' $x",
			 "Q='quoted'", "NL=a\nb", "Entrypoint", "/bin/sh",
			 "Cmd", "-c", "echo 'hi'", "WorkingDir", "/home/a b");
}

static void test_ch_environment(void **state)
{
	json_t *c = config();
	char *s = export_ch_environment(c);

	(void)state;
	/* ch-run strips one pair of quotes: a quoted value gets another;
	 * a value with a newline cannot be written and is left out. */
	assert_string_equal(s, "PATH=/usr/bin:/bin\n"
			       "FOO=bar with 'q' $x\n"
			       "Q=''quoted''\n");
	free(s);
	json_decref(c);
}

static void test_sif_env(void **state)
{
	json_t *c = config();
	char *s = export_sif_env(c);

	(void)state;
	assert_non_null(strstr(s, "export PATH=\"/usr/bin:/bin\"\n"));
	assert_non_null(
	    strstr(s, "export FOO=\"${FOO:-\"bar with 'q' \\$x\"}\"\n"));
	free(s);
	json_decref(c);
}

static void test_sif_runscript(void **state)
{
	json_t *c = config();
	char *s = export_sif_runscript(c);

	(void)state;
	assert_non_null(strstr(s, "OCI_ENTRYPOINT='\"/bin/sh\"'\n"));
	assert_non_null(
	    strstr(s, "OCI_CMD='\"-c\" \"echo '\"'\"'hi'\"'\"'\"'\n"));
	assert_non_null(strstr(s, "cd '/home/a b' 2>/dev/null || :\n"));
	assert_non_null(strstr(s, "set -- 'echo '\"'\"'hi'\"'\"'' \"$@\"\n"));
	free(s);
	json_decref(c);
}

/* A tar made by tar(1) with an old /ch/environment and a long name:
 * the old file is dropped, the long name kept, ours appended. */
static void test_rootfs_tar(void **state)
{
	char dir[] = "/tmp/paks-unit-export.XXXXXX";
	char *cmd, *in, *out, *list = NULL;
	json_t *c = config();
	char *cause = NULL;
	size_t n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	in = xasprintf("%s/in.tar", dir);
	out = xasprintf("%s/out.tar", dir);
	cmd = xasprintf(
	    "cd %s && mkdir -p r/ch r/%0150d && echo old > r/ch/environment && "
	    "echo keep > r/%0150d/f && tar --format=posix -C r -cf in.tar . "
	    "&& : > out.tar",
	    dir, 0, 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(export_rootfs_tar(in, out, c, "amd64", &cause), 0);
	cmd = xasprintf("tar -tf %s | sort; tar -xOf %s ./ch/environment "
			"ch/environment 2>/dev/null",
			out, out);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(getdelim(&list, &n, '\0', f) > 0, 1);
	pclose(f);
	assert_non_null(strstr(list, "/f\n"));
	assert_non_null(strstr(list, "ch/metadata.json\n"));
	assert_non_null(strstr(list, ".singularity.d/runscript\n"));
	assert_null(strstr(list, "old\n"));
	assert_non_null(strstr(list, "FOO=bar with 'q' $x\n"));
	free(list);
	free(cmd);
	cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(in);
	free(out);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_of),
	    cmocka_unit_test(test_ch_environment),
	    cmocka_unit_test(test_sif_env),
	    cmocka_unit_test(test_sif_runscript),
	    cmocka_unit_test(test_rootfs_tar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
