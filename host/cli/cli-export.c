/* SPDX-License-Identifier: MIT */
/*
 * `paks export IMAGE FILE`: what #export does, on the host, for any
 * image (one saved earlier, say).  The format follows FILE's name.
 * FILE is any path the user can write: unlike #export's, this command
 * line is the user's own, typed on the host.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine-choose.h"
#include "engine.h"
#include "exec.h"
#include "export.h"
#include "image.h"
#include "log.h"
#include "progress.h"
#include "settings.h"

static const char export_help[] =
    "Usage: paks export [--force] [--verbose] IMAGE FILE\n"
    "\n"
    "Write IMAGE to FILE, any path you can write.  FILE's name picks the\n"
    "format:\n"
    "  *.tar         docker-archive (docker load, podman load)\n"
    "  *.oci.tar     OCI archive (apptainer build x.sif "
    "oci-archive://FILE)\n"
    "  *.sqfs        SquashFS of the filesystem (ch-run FILE -- CMD)\n"
    "  *.rootfs.tar  the filesystem as a tarball (ch-convert -i tar)\n"
    ".sqfs and .rootfs.tar carry the image's ENV, WORKDIR, CMD and\n"
    "ENTRYPOINT for Charliecloud (/ch) and Apptainer (/.singularity.d).\n"
    "\n"
    "Options:\n"
    "  --force    replace FILE if it exists\n"
    "  --verbose  show the engine's own output\n"
    "  --help     show this help\n";

static int sigpipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	char b = (char)sig;

	if (write(sigpipe[1], &b, 1) < 0) {
		/* nothing to do: the pipe is full, cancel is pending */
	}
	errno = saved;
}

static int emit(struct exec_ctx *c, uint32_t type, const void *d, size_t n)
{
	(void)c;
	return write_all(type == PAKS_MSG_ERR ? 2 : 1, d, n);
}

static int check_cancel(struct exec_ctx *c)
{
	char b[16];

	return read(c->cancel_fd, b, sizeof(b)) > 0;
}

/* What `paks export` reads: the engine, as chosen by the settings, and
 * IMAGE's config.  No session: nothing runs. */
struct export_src {
	struct engine_handle eng;
	json_t *config;
};

static int setup(struct export_src *x, const char *image)
{
	struct settings st = {0};
	json_t *img = NULL;
	char *cause = NULL;
	int r;

	r = settings_load_effective(&st, NULL, &cause);
	if (r == 0)
		x->eng.engine =
		    engine_choose(st.container_tech, NULL, NULL, &cause);
	settings_free(&st);
	if (r < 0 || !x->eng.engine) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	if (x->eng.engine->ops) {
		log_error("paks export reads an image from podman or docker; "
			  "in a %s session, #export writes the session's "
			  "files",
			  x->eng.engine->name);
		return 1;
	}
	x->eng.path = xstrdup(x->eng.engine->name);
	r = image_inspect_ref(&x->eng, image, &img, &cause);
	if (r != 0) {
		log_error("no image '%s'%s%s", image, cause ? ": " : "",
			  cause ? cause : "");
		free(cause);
		return 1;
	}
	x->config = json_incref(json_object_get(img, "Config"));
	if (!x->config)
		x->config = json_object();
	json_decref(img);
	return 0;
}

static int run_export(struct exec_ctx *c, const struct export_src *x,
		      const char *image, const char *file, bool force,
		      bool verbose, char **cause)
{
	/* The user's own command on the host: FILE is any path the user can
	 * write, as for cp or tar, relative to the current directory.  Only
	 * #export, whose line comes from the container, is kept in the
	 * launch directory. */
	cleanup_free char *tmp = NULL;
	struct progress p;
	int r;

	if (export_check(file, file, force, cause) < 0)
		return EXIT_USAGE;
	tmp = export_tmp(file, cause);
	if (!tmp)
		return 1;
	progress_init(&p, c);
	r = export_write(&p, &x->eng, image, x->config, tmp, file, verbose,
			 cause);
	if (r < 0)
		r = 1;
	if (r == 0) {
		cleanup_free char *what =
		    xasprintf("Exported %s to %s", image, file);
		struct stat st;
		progress_done(&p, what,
			      stat(file, &st) == 0 ? (uint64_t)st.st_size : 0);
	}
	return r;
}

int cmd_export(int argc, char **argv)
{
	struct export_src x = {0};
	struct exec_ctx c = {0};
	char *cause = NULL;
	bool force = false, verbose = false;
	int i, r;

	if (cli_wants_help(argc, argv)) {
		fputs(export_help, stdout);
		return 0;
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (str_eq(argv[i], "--force")) {
			force = true;
		} else if (str_eq(argv[i], "--verbose")) {
			verbose = true;
		} else {
			log_error("unknown option '%s' (see 'paks export "
				  "--help')",
				  argv[i]);
			return EXIT_USAGE;
		}
	}
	if (argc - i != 2) {
		log_error(
		    "usage: paks export [--force] [--verbose] IMAGE FILE");
		return EXIT_USAGE;
	}
	r = setup(&x, argv[i]);
	if (r == 0 && pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) == 0) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		c.cwd = (char *)"/";
		c.emit = emit;
		c.cancel_fd = sigpipe[0];
		c.check_cancel = check_cancel;
		r = run_export(&c, &x, argv[i], argv[i + 1], force, verbose,
			       &cause);
	}
	if (cause) {
		log_error("%s", cause);
		free(cause);
	}
	json_decref(x.config);
	engine_handle_free(&x.eng);
	return r;
}
