/* SPDX-License-Identifier: MIT */
/*
 * `paks run IMAGE`: parse the options, prepare the session, start the
 * engine and either serve the preload's requests (the engine owns the
 * terminal) or proxy the terminal (PTY mode).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "engine-choose.h"
#include "engine-err.h"
#include "engine.h"
#include "envstore.h"
#include "guard.h"
#include "log.h"
#include "pty-proxy.h"
#include "remote.h"
#include "run-check.h"
#include "server.h"
#include "session.h"
#include "varname.h"
#include "words.h"

static const char run_usage[] =
    "Usage: paks run [OPTIONS] IMAGE\n"
    "\n"
    "Start an interactive shell in a new container from IMAGE.  Inside it,\n"
    "lines starting with '#' are paks commands run on the host (#help).\n"
    "IMAGE may be a local image, a registry reference (pulled when missing;\n"
    "loopback registries over plain HTTP) or an archive from #export.\n"
    "With Charliecloud, IMAGE is a .sqfs file or a directory image, run\n"
    "from a writable copy of it as you (ch-run -w); the file stays as it\n"
    "is.\n"
    "The container is removed when the shell exits; paks exits with the\n"
    "shell's status.\n"
    "\n"
    "Options:\n"
    "  --shell PATH            shell to run (setting container_shell,\n"
    "                          default /bin/bash)\n"
    "  --container-tech NAME   podman, docker, charliecloud or auto\n"
    "                          (setting container_tech)\n"
    "      --keep              charliecloud: keep the writable copy of\n"
    "                          IMAGE after the session, for the next run\n"
    "  --mode MODE             preload, pty or auto (default: preload for a\n"
    "                          bash that can load it, pty otherwise)\n"
    "  -s, --set KEY=VALUE     override one setting for this run\n"
    "  --engine-arg ARG        pass ARG to the engine before 'run'\n"
    "                          (e.g. --engine-arg=--root=/tmp/store)\n"
    "  -v, --volume SRC:DST    bind mount, as the engine's --volume\n"
    "  -e, --env NAME[=VALUE]  set a variable in the shell (NAME alone\n"
    "                          copies the host's value)\n"
    "  -w, --workdir DIR       start in DIR\n"
    "  -p, --publish PORTS     publish ports, as the engine's --publish\n"
    "      --name NAME         container name (default paks-ID)\n"
    "      --user USER         user inside the container (setting user)\n"
    "      --network NET       network mode, as the engine's --network\n"
    "      --entrypoint CMD    run the shell through CMD (CMD SHELL)\n"
    "  -h, --help              show this help\n";

enum {
	OPT_SHELL = 256,
	OPT_TECH,
	OPT_MODE,
	OPT_NAME,
	OPT_USER,
	OPT_NETWORK,
	OPT_ENTRYPOINT,
	OPT_ENGINE_ARG,
	OPT_KEEP,
};

struct run_opts {
	struct strv sets;	 /* -s KEY=VALUE */
	struct strv passthrough; /* engine run flags */
	struct strv env;	 /* -e */
	struct strv engine_args;
	struct strv volumes; /* -v, checked before the run */
	char *network;
	char *shell;
	char *tech;
	char *mode;
	char *name;
	char *user;
	char *entrypoint;
	char *image;
	bool keep;
	/* Engine flags a backend with engine ops cannot take, as typed. */
	struct strv engine_only;
};

static void run_opts_free(struct run_opts *o)
{
	strv_free(&o->sets);
	strv_free(&o->passthrough);
	strv_free(&o->env);
	strv_free(&o->engine_args);
	strv_free(&o->volumes);
	free(o->network);
	free(o->shell);
	free(o->tech);
	free(o->mode);
	free(o->name);
	free(o->user);
	free(o->entrypoint);
	free(o->image);
	strv_free(&o->engine_only);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int parse_opt(struct run_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_SHELL:
		set_str(&o->shell, arg);
		break;
	case OPT_TECH:
		set_str(&o->tech, arg);
		break;
	case OPT_MODE:
		set_str(&o->mode, arg);
		break;
	case 's':
		strv_push(&o->sets, arg);
		break;
	case 'v':
		strv_pushf(&o->passthrough, "--volume=%s", arg);
		strv_push(&o->volumes, arg);
		break;
	case 'w':
		if (arg[0] != '/') {
			log_error("-w '%s': the directory must be absolute",
				  arg);
			return -EINVAL;
		}
		strv_pushf(&o->passthrough, "--workdir=%s", arg);
		break;
	case 'p':
		if (!run_check_publish(arg)) {
			log_error(
			    "-p '%s': use [[IP:][HOSTPORT]:]PORT[/tcp|udp|"
			    "sctp], ports 1-65535",
			    arg);
			return -EINVAL;
		}
		strv_pushf(&o->passthrough, "--publish=%s", arg);
		break;
	case OPT_NETWORK:
		strv_pushf(&o->passthrough, "--network=%s", arg);
		set_str(&o->network, arg);
		break;
	case 'e':
		strv_push(&o->env, arg);
		break;
	case OPT_NAME:
		if (!run_check_name(arg)) {
			log_error(
			    "invalid container name '%s' (letters, digits "
			    "and _ . -, starting with a letter or digit)",
			    arg);
			return -EINVAL;
		}
		set_str(&o->name, arg);
		break;
	case OPT_USER:
		set_str(&o->user, arg);
		break;
	case OPT_ENTRYPOINT:
		set_str(&o->entrypoint, arg);
		break;
	case OPT_ENGINE_ARG:
		strv_push(&o->engine_args, arg);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Options only an engine CLI has (see check_backend_options). */
static void note_engine_only(struct run_opts *o, int c)
{
	static const struct {
		int c;
		const char *name;
	} only[] = {
	    {'p', "-p"},
	    {OPT_NETWORK, "--network"},
	    {OPT_NAME, "--name"},
	    {OPT_ENTRYPOINT, "--entrypoint"},
	    {OPT_ENGINE_ARG, "--engine-arg"},
	};

	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
		if (only[i].c == c)
			strv_push(&o->engine_only, only[i].name);
	}
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
	    {"shell", required_argument, NULL, OPT_SHELL},
	    {"container-tech", required_argument, NULL, OPT_TECH},
	    {"mode", required_argument, NULL, OPT_MODE},
	    {"set", required_argument, NULL, 's'},
	    {"volume", required_argument, NULL, 'v'},
	    {"env", required_argument, NULL, 'e'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"publish", required_argument, NULL, 'p'},
	    {"name", required_argument, NULL, OPT_NAME},
	    {"user", required_argument, NULL, OPT_USER},
	    {"network", required_argument, NULL, OPT_NETWORK},
	    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
	    {"engine-arg", required_argument, NULL, OPT_ENGINE_ARG},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 1;
	/* '+': options stop at IMAGE, as with the engines' own `run`. */
	while ((c = getopt_long(argc, argv, "+:s:v:e:w:p:h", longopts, NULL)) !=
	       -1) {
		if (c == 'h') {
			fputs(run_usage, stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (c == ':')
				log_error(
				    "option '%s' needs a value (see 'paks "
				    "run --help')",
				    bad);
			else
				log_error("unknown option '%s' (see 'paks run "
					  "--help')",
					  bad);
			return -EINVAL;
		}
		if (c == OPT_KEEP)
			o->keep = true;
		else if (parse_opt(o, c, optarg) < 0)
			return -EINVAL;
		note_engine_only(o, c);
	}
	if (optind >= argc) {
		log_error("missing IMAGE (usage: paks run [OPTIONS] IMAGE)");
		return -EINVAL;
	}
	if (optind + 1 < argc) {
		log_error("unexpected argument '%s' after IMAGE (options go "
			  "before IMAGE)",
			  argv[optind + 1]);
		return -EINVAL;
	}
	if (!*argv[optind]) {
		log_error("IMAGE is empty");
		return -EINVAL;
	}
	o->image = xstrdup(argv[optind]);
	return 0;
}

/* -e NAME=VALUE, or NAME alone for the host's value (as the engines do). */
static int collect_env(struct session *s, const struct strv *env)
{
	for (size_t i = 0; i < env->n; i++) {
		const char *e = env->v[i];
		const char *eq = strchr(e, '=');
		cleanup_free char *name =
		    eq ? xasprintf("%.*s", (int)(eq - e), e) : xstrdup(e);
		if (!varname_valid(name, strlen(name))) {
			log_error("invalid variable name '%s' in -e", name);
			return -EINVAL;
		}
		if (eq) {
			strv_push(&s->user_env, e);
		} else if (getenv(name)) {
			strv_pushf(&s->user_env, "%s=%s", name, getenv(name));
		}
	}
	return 0;
}

static int apply_settings(struct session *s, struct run_opts *o)
{
	char *cause = NULL;

	if (settings_load_effective(&s->settings, NULL, &cause) < 0)
		goto fail;
	for (size_t i = 0; i < o->sets.n; i++) {
		if (settings_apply(&s->settings, o->sets.v[i], &cause) < 0)
			goto fail;
	}
	if (o->tech) {
		cleanup_free char *kv = xasprintf("container_tech=%s", o->tech);
		if (settings_apply(&s->settings, kv, &cause) < 0)
			goto fail;
	}
	if (o->mode) {
		cleanup_free char *kv = xasprintf("mode=%s", o->mode);
		if (settings_apply(&s->settings, kv, &cause) < 0)
			goto fail;
	}
	/* --shell and --user get the checks of their settings. */
	if (o->shell) {
		cleanup_free char *kv =
		    xasprintf("container_shell=%s", o->shell);
		if (settings_apply(&s->settings, kv, &cause) < 0)
			goto fail;
	}
	if (o->user) {
		cleanup_free char *kv = xasprintf("user=%s", o->user);
		if (settings_apply(&s->settings, kv, &cause) < 0)
			goto fail;
	}
	return 0;
fail:
	log_error("%s", cause);
	free(cause);
	return -EINVAL;
}

static int choose_mode(struct session *s)
{
	const char *m = s->settings.mode;

	if (!m || str_eq(m, "auto"))
		s->mode = MODE_AUTO;
	else if (str_eq(m, "preload"))
		s->mode = MODE_PRELOAD;
	else if (str_eq(m, "pty"))
		s->mode = MODE_PTY;
	else
		return -EINVAL;
	return 0;
}

/* An engine that cannot see this machine's files gets paks's files in a
 * volume and the session through its exec API (remote.c). */
static void check_local_engine(struct session *s)
{
	char *where = NULL;

	/* A backend without an engine CLI runs here. */
	if (!s->eng.engine->is_remote)
		return;
	if (!s->eng.engine->is_remote(&s->eng, &where)) {
		/* Maybe on this machine: the first start tells, unless an
		 * earlier session's did. */
		s->remote = remote_known(s);
		s->probing = !s->remote;
		return;
	}
	s->remote = true;
	/* podman's remote speaks ssh by itself, not through `ssh`. */
	s->over_ssh = where && str_has_prefix(where, "ssh://") &&
		      str_eq(s->eng.engine->name, "docker");
	log_debug("the %s engine is at %s: paks's files go in a volume, the "
		  "session through the engine's exec",
		  s->eng.engine->name, where ? where : "a remote host");
	free(where);
}

/* The options only an engine CLI has, refused for a backend without one
 * (ch-run has no port mapping, network, container name or entrypoint of
 * its own); --keep, which only such a backend has, for the others. */
static int check_backend_options(struct session *s, struct run_opts *o)
{
	if (s->eng.engine->ops && o->engine_only.n > 0) {
		log_error("%s does not work with %s (it runs the image "
			  "directory with %s, which has no such option)",
			  o->engine_only.v[0], s->eng.engine->name,
			  engine_program(s->eng.engine));
		return -EINVAL;
	}
	for (size_t i = 0; s->eng.engine->ops && i < o->volumes.n; i++) {
		const char *c = strchr(o->volumes.v[i], ':');
		if (c && strchr(c + 1, ':')) {
			log_error("-v '%s': %s binds SRC:DST, read-write, with "
				  "no options",
				  o->volumes.v[i],
				  engine_program(s->eng.engine));
			return -EINVAL;
		}
	}
	if (!s->eng.engine->ops && o->keep) {
		log_error("--keep is for charliecloud, which runs a copy of "
			  "the image; %s keeps no copy",
			  s->eng.engine->name);
		return -EINVAL;
	}
	s->rootfs_keep = o->keep;
	return 0;
}

static int choose_engine(struct session *s, struct run_opts *o)
{
	char *cause = NULL, *note = NULL;

	s->eng.engine =
	    engine_choose(s->settings.container_tech, o->image, &note, &cause);
	if (!s->eng.engine) {
		log_error("%s", cause);
		free(cause);
		return -1;
	}
	if (note)
		log_info("%s", note);
	free(note);
	s->eng.path = xstrdup(engine_program(s->eng.engine));
	return 0;
}

static int setup_session(struct session *s, struct run_opts *o)
{
	char *cause = NULL;

	if (apply_settings(s, o) < 0)
		return EXIT_USAGE;
	if (choose_mode(s) < 0) {
		log_error("invalid mode '%s' (use preload, pty or auto)",
			  s->settings.mode);
		return EXIT_USAGE;
	}
	if (choose_engine(s, o) < 0)
		return 1;
	if (check_backend_options(s, o) < 0)
		return EXIT_USAGE;
	for (size_t i = 0; i < o->engine_args.n; i++)
		strv_push(&s->eng.args, o->engine_args.v[i]);
	check_local_engine(s);
	s->image = xstrdup(o->image);
	s->shell = xstrdup(s->settings.container_shell);
	s->shell_default = !o->shell && str_eq(s->shell, "/bin/bash");
	s->container = o->name ? xstrdup(o->name) : NULL;
	if (collect_env(s, &o->env) < 0)
		return EXIT_USAGE;
	for (size_t i = 0; i < o->volumes.n; i++) {
		int r = run_check_volume(o->volumes.v[i], &cause);
		if (r) {
			log_error("%s", cause);
			free(cause);
			return r;
		}
		run_volume_rw_bind(o->volumes.v[i], &s->rw_binds);
	}
	if (!s->eng.engine->ops && run_check_engine(s, o->network, &cause)) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	if (session_prepare(s, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	return 0;
}

static int run_argv(struct session *s, struct run_opts *o, struct strv *argv)
{
	struct words w = {0};

	/* The launcher's words depend on whether there is an entrypoint. */
	if (o->entrypoint) {
		const char *werr;
		if (words_split(o->entrypoint, strlen(o->entrypoint), &w,
				&werr) < 0) {
			log_error("--entrypoint: %s", werr);
			return -1;
		}
		s->entrypoint_words = w.argc;
	}
	s->fast_start = session_run_argv(s, &o->passthrough, argv);
	if (o->entrypoint) {
		for (int i = 0; i < w.argc; i++)
			strv_push(argv, w.argv[i]);
		words_free(&w);
	}
	strv_push(argv, s->shell);
	/* zsh reads '#...' as a command unless interactivecomments is set,
	 * and the PTY proxy's injected ' . file' line must stay out of its
	 * history. */
	if (str_eq(strrchr(s->shell, '/') ? strrchr(s->shell, '/') + 1
					  : s->shell,
		   "zsh")) {
		strv_push(argv, "-o");
		strv_push(argv, "interactivecomments");
		strv_push(argv, "-o");
		strv_push(argv, "histignorespace");
	}
	return 0;
}

static const char notty_note[] =
    "stdin is not a terminal: '#' lines are not run as paks commands (they "
    "need a terminal); the shell reads them as comments";

/* One start, or two on the first run of an image whose shell cannot host
 * the preload (session_restart). */
static int run_session(struct session *s, struct run_opts *o)
{
	char *cause = NULL;
	int status, again;
	bool warned = false;

	do {
		/* A script on stdin: the shell runs it, and its '#' lines
		 * are comments.  The engine runs as in preload mode, without
		 * the proxy, which would give the shell a terminal.  Said
		 * once the shell is known to exist: an image without it gets
		 * its one error line alone. */
		if (!isatty(0) && !s->check_shell && !warned) {
			log_warn("%s", notty_note);
			warned = true;
		}
		struct strv argv = {0};
		if (run_argv(s, o, &argv) < 0) {
			strv_free(&argv);
			return EXIT_USAGE;
		}
		log_debug("starting the container in %s mode with %s%s%s",
			  s->mode == MODE_PRELOAD ? "preload" : "pty", s->shell,
			  s->check_shell ? " (the launcher looks at the shell)"
					 : "",
			  s->fast_start ? " (a fast start: the shell runs "
					  "before the bridge comes)"
					: "");
		engine_err_hold(s);
		if (s->mode == MODE_PRELOAD || !isatty(0))
			status = server_run(s, argv.v);
		else
			status = pty_proxy_run(s, argv.v);
		strv_free(&argv);
		if (status > 0 &&
		    (again = session_try_remote(s, &cause)) != 0) {
			if (again < 0) {
				log_error("%s", cause);
				free(cause);
				return 1;
			}
			continue;
		}
		engine_err_end(s, !s->image_restart);
		if (status < 0) {
			log_error("cannot run %s: %s", s->eng.path,
				  strerror(-status));
			return 1;
		}
		again = session_restart(s, status, &cause);
		if (again < 0) {
			log_error("%s", cause);
			free(cause);
			return 1;
		}
	} while (again);
	/* The first run of an image: the note comes after the script. */
	if (!isatty(0) && !warned)
		log_warn("%s", notty_note);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct session s = {0};
	struct termios saved;
	bool tty = tcgetattr(0, &saved) == 0;
	struct guard g = {0};
	int r;

	r = parse_args(argc, argv, &o);
	if (r != 0) {
		run_opts_free(&o);
		return r > 0 ? 0 : EXIT_USAGE;
	}
	r = setup_session(&s, &o);
	/* A `kill -9` of paks must not leave the terminal raw or the
	 * container running. */
	if (r == 0)
		guard_start(&s, tty ? &saved : NULL, &g);
	if (r == 0)
		r = run_session(&s, &o);
	/* Ended by TERM or HUP: the engine client may have died before its
	 * --rm; nothing of the session may stay. */
	if (s.stop_signal)
		container_remove(&s);
	session_cleanup(&s);
	/* The engine restores the terminal; make sure even if it died.
	 * TCSADRAIN: what the user typed after `exit` stays for the shell. */
	if (tty)
		tcsetattr(0, TCSADRAIN, &saved);
	guard_end(&g);
	session_free(&s);
	run_opts_free(&o);
	return r;
}
