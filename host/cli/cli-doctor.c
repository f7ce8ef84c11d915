/* SPDX-License-Identifier: MIT */
/*
 * `paks doctor`: check the machine's setup for paks and say, one line per
 * check, "ok", "warn" or "fail" with the fix, as `brew doctor` and
 * `flutter doctor` do.  Exit status 1 when a check fails.  Engines and
 * tools are asked cheaply (`podman info`, `docker version`) under a short
 * deadline, through proc.c; nothing runs through a shell.
 */
#include <sys/stat.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine-choose.h"
#include "engine.h"
#include "log.h"
#include "proc.h"
#include "rundir.h"
#include "settings.h"
#include "subid.h"
#include "util.h"

/* How long an engine or tool may take to answer. */
#define DOCTOR_DEADLINE_MS 5000
/* Fewer subordinate ids than this and images that use high ids (nobody
 * is 65534) fail to unpack. */
#define SUBID_WANTED 65536

enum doctor_level { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor {
	int fails;
	const char *user;    /* the user's name, or NULL */
	char *podman_driver; /* from `podman info`, NULL when not asked */
};

static const char doctor_usage[] =
    "Usage: paks doctor\n"
    "\n"
    "Check this machine's setup for paks: the settings file, the engines\n"
    "(podman, docker) and whether they answer, rootless podman's needs\n"
    "(subordinate ids, newuidmap, the storage driver), /dev/fuse, the\n"
    "dev.tty.legacy_tiocsti sysctl, Charliecloud and Slurm when present,\n"
    "and the runtime and cache directories.  One line per check: ok, warn\n"
    "or fail, with the fix.  Exit status 1 when a check fails.\n"
    "\n"
    "Options:\n"
    "  -h, --help   show this help\n";

/* One line: LEVEL SUBJECT: DETAIL, and "; fix: FIX" when fix. */
static void say(struct doctor *d, enum doctor_level level, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void say(struct doctor *d, enum doctor_level level, const char *fix,
		const char *fmt, ...)
{
	static const char *const names[] = {"ok  ", "warn", "fail"};
	va_list ap;

	if (level == DOCTOR_FAIL)
		d->fails++;
	printf("%s ", names[level]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (fix && level != DOCTOR_OK)
		printf("; fix: %s", fix);
	putchar('\n');
	fflush(stdout);
}

/* --- running a tool under a deadline -------------------------------------- */

struct timed {
	struct buf *out, *err;
	pid_t pid;
	uint64_t deadline;
	bool killed;
};

static void timed_data(void *arg, int which, const char *data, size_t len)
{
	struct timed *t = arg;

	buf_append(which == 0 ? t->out : t->err, data, len);
}

static void timed_tick(void *arg)
{
	struct timed *t = arg;

	if (!t->killed && monotonic_ms() >= t->deadline) {
		proc_kill(t->pid, SIGKILL);
		t->killed = true;
	}
}

/* Run argv with stdout into out and stderr into err, killed after
 * DOCTOR_DEADLINE_MS: its exit status, -ETIMEDOUT, or -errno (-ENOENT). */
static int run_timed(char *const argv[], struct buf *out, struct buf *err)
{
	struct proc_opts o = {
	    .own_group = true, .out = PROC_PIPE, .err = PROC_PIPE};
	struct timed t = {.out = out, .err = err};
	struct proc_sink sink = {
	    .data = timed_data, .cancel_fd = -1, .tick = timed_tick, .arg = &t};
	struct proc p;
	int r = proc_start(&p, argv, &o);

	if (r < 0)
		return r;
	t.pid = p.pid;
	t.deadline = monotonic_ms() + DOCTOR_DEADLINE_MS;
	proc_pump(&p, &sink);
	r = proc_wait(p.pid);
	buf_append(out, "", 0); /* NUL-terminated even when empty */
	buf_append(err, "", 0);
	return t.killed ? -ETIMEDOUT : r;
}

/* The first line of b (malloc'd), trimmed; "" when empty. */
static char *first_line(const struct buf *b)
{
	const char *s = b->data ? b->data : "";

	s += strspn(s, " \t\r\n");
	return xasprintf("%.*s", (int)strcspn(s, "\r\n"), s);
}

/* --- the checks -------------------------------------------------------------
 */

static void check_settings(struct doctor *d, struct settings *s)
{
	cleanup_free char *path = settings_path();
	cleanup_free char *cause = NULL;
	struct stat st;

	if (settings_load_effective(s, path, &cause) < 0) {
		say(d, DOCTOR_FAIL, "paks config edit", "settings: %s",
		    cause ? cause : path);
		settings_defaults(s);
		return;
	}
	if (stat(path, &st) < 0)
		say(d, DOCTOR_OK, NULL, "settings: no %s, the defaults apply",
		    path);
	else
		say(d, DOCTOR_OK, NULL, "settings: %s", path);
}

/* `podman info`: the version and storage driver, or why it failed. */
static void check_podman(struct doctor *d, bool chosen)
{
	char *argv[] = {"podman", "info", "--format",
			"{{.Version.Version}} {{.Store.GraphDriverName}}",
			NULL};
	struct buf out = {0}, err = {0};
	int r = run_timed(argv, &out, &err);

	if (r == 0) {
		cleanup_free char *line = first_line(&out);
		char *sp = strchr(line, ' ');
		if (sp) {
			*sp = '\0';
			d->podman_driver = xstrdup(sp + 1);
		}
		say(d, DOCTOR_OK, NULL, "podman %s: answers (podman info)",
		    line);
	} else {
		cleanup_free char *why = r == -ETIMEDOUT
					     ? xstrdup("no answer within 5 s")
					 : r < 0 ? xstrdup(strerror(-r))
						 : engine_error_line(&err);
		say(d, chosen ? DOCTOR_FAIL : DOCTOR_WARN,
		    "run `podman info` and fix what it says",
		    "podman: podman info failed: %s", why);
	}
	buf_free(&out);
	buf_free(&err);
}

static void check_docker(struct doctor *d, bool chosen)
{
	char *argv[] = {"docker", "version", "--format", "{{.Server.Version}}",
			NULL};
	struct buf out = {0}, err = {0};
	int r = run_timed(argv, &out, &err);
	const char *dh = getenv("DOCKER_HOST");
	cleanup_free char *why = NULL;

	if (r == 0) {
		cleanup_free char *line = first_line(&out);
		say(d, DOCTOR_OK, NULL, "docker: dockerd %s answers%s", line,
		    dh && *dh ? " at DOCKER_HOST" : "");
	} else {
		why = r == -ETIMEDOUT ? xstrdup("no answer within 5 s")
		      : r < 0	      ? xstrdup(strerror(-r))
				      : engine_unreachable(&err);
		if (!why)
			why = engine_error_line(&err);
		say(d, chosen ? DOCTOR_FAIL : DOCTOR_WARN,
		    "start dockerd, or point DOCKER_HOST at one that runs",
		    "docker: %s", why);
	}
	buf_free(&out);
	buf_free(&err);
}

static void check_engines(struct doctor *d, const struct settings *s)
{
	cleanup_free char *cause = NULL;
	const struct engine *chosen =
	    engine_choose(s->container_tech, NULL, NULL, &cause);
	cleanup_free char *podman = path_lookup("podman");
	cleanup_free char *docker = path_lookup("docker");

	cleanup_free char *chrun = path_lookup("ch-run");

	/* An HPC site: no engine, but Charliecloud runs .sqfs files and
	 * directory images (`auto` picks it for them). */
	if (!chosen && chrun &&
	    (!s->container_tech || str_eq(s->container_tech, "auto")))
		say(d, DOCTOR_WARN,
		    "paks run FILE.sqfs (or a directory image) runs it with "
		    "Charliecloud; install podman (or docker.io) for images "
		    "by name",
		    "engine: %s", cause);
	else if (!chosen)
		say(d, DOCTOR_FAIL,
		    "apt-get install podman (or docker.io), or change "
		    "container_tech",
		    "engine: %s", cause);
	if (podman)
		check_podman(d, chosen == &engine_podman);
	if (docker)
		check_docker(d, chosen == &engine_docker);
}

/* One of /etc/subuid, /etc/subgid. */
static void check_subid(struct doctor *d, const char *file)
{
	cleanup_free char *text = NULL;
	cleanup_free char *fix = NULL;
	size_t len = 0;
	unsigned long n;

	if (read_file(file, 16u << 20, &text, &len) < 0)
		len = 0;
	n = subid_count(text ? text : "", len, d->user, getuid());
	fix = xasprintf("as root: usermod --add-subuids 100000-165535 "
			"--add-subgids 100000-165535 %s",
			d->user ? d->user : "USER");
	if (n == 0)
		say(d, DOCTOR_FAIL, fix,
		    "rootless: %s has no range for %s: podman cannot map "
		    "the container's users",
		    file, d->user ? d->user : "this user");
	else if (n < SUBID_WANTED)
		say(d, DOCTOR_WARN, fix,
		    "rootless: %s gives %s only %lu ids: images that use "
		    "higher ids fail",
		    file, d->user ? d->user : "this user", n);
	else
		say(d, DOCTOR_OK, NULL, "rootless: %s gives %s %lu ids", file,
		    d->user ? d->user : "this user", n);
}

/* newuidmap or newgidmap: present, and setuid root or with file caps. */
static void check_idmap(struct doctor *d, const char *prog)
{
	cleanup_free char *path = path_lookup(prog);
	cleanup_free char *fix = NULL;
	struct stat st;

	if (!path) {
		say(d, DOCTOR_FAIL, "apt-get install uidmap",
		    "rootless: %s is not in PATH", prog);
		return;
	}
	if (stat(path, &st) == 0 && st.st_uid == 0 && (st.st_mode & S_ISUID))
		say(d, DOCTOR_OK, NULL, "rootless: %s is setuid root", path);
	else if (getxattr(path, "security.capability", NULL, 0) > 0)
		say(d, DOCTOR_OK, NULL, "rootless: %s has file capabilities",
		    path);
	else {
		fix = xasprintf("as root: chmod u+s %s (or setcap "
				"cap_setuid,cap_setgid+ep %s)",
				path, path);
		say(d, DOCTOR_FAIL, fix,
		    "rootless: %s is neither setuid root nor has file "
		    "capabilities",
		    path);
	}
}

static void check_rootless(struct doctor *d)
{
	if (getuid() == 0) {
		say(d, DOCTOR_OK, NULL,
		    "rootless: not needed, paks runs as root");
		return;
	}
	check_subid(d, "/etc/subuid");
	check_subid(d, "/etc/subgid");
	check_idmap(d, "newuidmap");
	check_idmap(d, "newgidmap");
	if (!d->podman_driver)
		return;
	if (str_eq(d->podman_driver, "vfs"))
		say(d, DOCTOR_WARN,
		    "apt-get install fuse-overlayfs, then podman system reset",
		    "rootless: podman's storage driver is vfs: every layer "
		    "is a full copy, slow and large");
	else
		say(d, DOCTOR_OK, NULL,
		    "rootless: podman's storage driver is %s",
		    d->podman_driver);
}

static void check_fuse(struct doctor *d)
{
	struct stat st;
	int fd;

	if (stat("/dev/fuse", &st) < 0 || !S_ISCHR(st.st_mode)) {
		say(d, DOCTOR_WARN, "as root: modprobe fuse",
		    "fuse: no /dev/fuse: SquashFS images (#export .sqfs, "
		    "ch-run) cannot be mounted");
		return;
	}
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say(d, DOCTOR_WARN, "as root: chmod 0666 /dev/fuse",
		    "fuse: /dev/fuse (mode %04o) cannot be opened by %s: %s; "
		    "SquashFS images (#export .sqfs, ch-run) cannot be mounted",
		    (unsigned)(st.st_mode & 07777),
		    d->user ? d->user : "this user", strerror(errno));
		return;
	}
	close(fd);
	say(d, DOCTOR_OK, NULL, "fuse: /dev/fuse can be opened");
}

static void check_tiocsti(struct doctor *d)
{
	cleanup_free char *v = NULL;
	size_t len = 0;

	if (read_file("/proc/sys/dev/tty/legacy_tiocsti", 64, &v, &len) < 0) {
		say(d, DOCTOR_WARN,
		    "a kernel of 6.2 or later, with dev.tty.legacy_tiocsti=0",
		    "tiocsti: this kernel has no dev.tty.legacy_tiocsti: a "
		    "program in the container may type into your terminal");
		return;
	}
	if (len > 0 && v[0] == '0')
		say(d, DOCTOR_OK, NULL,
		    "tiocsti: dev.tty.legacy_tiocsti is 0: no program can "
		    "type into your terminal");
	else
		say(d, DOCTOR_WARN,
		    "as root: sysctl -w dev.tty.legacy_tiocsti=0 (and in "
		    "/etc/sysctl.d to keep it)",
		    "tiocsti: dev.tty.legacy_tiocsti is 1: a program in the "
		    "container may type into your terminal (TIOCSTI)");
}

/* A sysctl that must not be 0 for user namespaces: 1 when it is 0. */
static bool sysctl_is_zero(const char *path)
{
	cleanup_free char *v = NULL;
	size_t len = 0;

	return read_file(path, 64, &v, &len) == 0 && len > 0 && v[0] == '0';
}

static void check_charliecloud(struct doctor *d)
{
	cleanup_free char *chrun = path_lookup("ch-run");
	char *argv[] = {"ch-run", "--version", NULL};
	struct buf out = {0}, err = {0};
	int r;

	if (!chrun)
		return;
	/* ch-run refuses to start without it (seen with 0.31). */
	if (!getenv("USER") || !*getenv("USER")) {
		say(d, DOCTOR_WARN, "export USER=$(id -un)",
		    "charliecloud: USER is not set: ch-run refuses to start");
		return;
	}
	r = run_timed(argv, &out, &err);
	if (r != 0) {
		cleanup_free char *why = r == -ETIMEDOUT
					     ? xstrdup("no answer within 5 s")
					     : first_line(&err);
		say(d, DOCTOR_WARN,
		    "run `ch-run --version` and fix what it says",
		    "charliecloud: ch-run --version failed: %s", why);
	} else if (sysctl_is_zero("/proc/sys/user/max_user_namespaces") ||
		   sysctl_is_zero(
		       "/proc/sys/kernel/unprivileged_userns_clone")) {
		say(d, DOCTOR_WARN,
		    "as root: sysctl -w user.max_user_namespaces=15000 "
		    "kernel.unprivileged_userns_clone=1",
		    "charliecloud: user namespaces are off: ch-run cannot "
		    "start");
	} else {
		/* ch-run prints its version on stderr. */
		cleanup_free char *v = first_line(out.len ? &out : &err);
		say(d, DOCTOR_OK, NULL, "charliecloud: ch-run %s", v);
	}
	buf_free(&out);
	buf_free(&err);
}

static void check_slurm(struct doctor *d)
{
	cleanup_free char *sinfo = path_lookup("sinfo");
	cleanup_free char *srun = path_lookup("srun");
	char *argv[] = {"sinfo", "--noheader", "--format=%T", NULL};
	struct buf out = {0}, err = {0};
	int r;

	if (!sinfo) {
		if (srun)
			say(d, DOCTOR_WARN, "apt-get install slurm-client",
			    "slurm: srun is here but sinfo is not");
		return;
	}
	r = run_timed(argv, &out, &err);
	if (r == 0) {
		cleanup_free char *state = first_line(&out);
		say(d, DOCTOR_OK, NULL, "slurm: sinfo answers (a node is %s)",
		    *state ? state : "unknown");
	} else {
		cleanup_free char *why = r == -ETIMEDOUT
					     ? xstrdup("no answer within 5 s")
					     : first_line(&err);
		say(d, DOCTOR_WARN, "check SLURM_CONF and that slurmctld runs",
		    "slurm: sinfo failed: %s", why);
	}
	buf_free(&out);
	buf_free(&err);
}

/* The nearest existing ancestor of path can take a new directory. */
static bool creatable(const char *path)
{
	cleanup_free char *p = xstrdup(path);
	char *slash;

	while ((slash = strrchr(p, '/')) && slash != p) {
		*slash = '\0';
		if (access(p, F_OK) == 0)
			return access(p, W_OK | X_OK) == 0;
	}
	return access("/", W_OK | X_OK) == 0;
}

static void check_dir(struct doctor *d, const char *what, const char *path)
{
	cleanup_free char *fix = NULL;
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT && creatable(path))
			say(d, DOCTOR_OK, NULL, "%s: %s will be created", what,
			    path);
		else
			say(d, DOCTOR_FAIL,
			    "make it, or set XDG_RUNTIME_DIR / XDG_CACHE_HOME",
			    "%s: %s cannot be created", what, path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		fix = xasprintf("rm %s", path);
		say(d, DOCTOR_FAIL, fix, "%s: %s is not a directory", what,
		    path);
	} else if (st.st_uid != getuid()) {
		fix = xasprintf("rm -r %s (it is made again)", path);
		say(d, DOCTOR_FAIL, fix, "%s: %s belongs to uid %u, not to %s",
		    what, path, (unsigned)st.st_uid,
		    d->user ? d->user : "this user");
	} else if (st.st_mode & 022) {
		fix = xasprintf("chmod 0700 %s", path);
		say(d, DOCTOR_WARN, fix,
		    "%s: %s is mode %04o: others can write", what, path,
		    (unsigned)(st.st_mode & 07777));
	} else {
		say(d, DOCTOR_OK, NULL, "%s: %s (mode %04o)", what, path,
		    (unsigned)(st.st_mode & 07777));
	}
}

static void check_dirs(struct doctor *d)
{
	cleanup_free char *run = rundir_base();
	cleanup_free char *cache = paks_cache_root();

	check_dir(d, "runtime directory", run);
	check_dir(d, "cache directory", cache);
}

int cmd_doctor(int argc, char **argv)
{
	struct passwd *pw = getpwuid(getuid());
	struct doctor d = {.user = pw ? pw->pw_name : NULL};
	struct settings s = {0};

	if (cli_wants_help(argc, argv)) {
		fputs(doctor_usage, stdout);
		return 0;
	}
	if (argc > 1) {
		log_error("unexpected argument '%s' (usage: paks doctor)",
			  argv[1]);
		return EXIT_USAGE;
	}
	check_settings(&d, &s);
	check_engines(&d, &s);
	check_rootless(&d);
	check_fuse(&d);
	check_tiocsti(&d);
	check_charliecloud(&d);
	check_slurm(&d);
	check_dirs(&d);
	settings_free(&s);
	free(d.podman_driver);
	return d.fails ? 1 : 0;
}
