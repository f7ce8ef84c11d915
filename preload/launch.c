/* SPDX-License-Identifier: MIT */
/*
 * paks-launch: the first process in a paks container.  It is static so it
 * runs in any image (glibc, musl or none).  `paks run` hands it the shell's
 * environment in a file instead of `-e` flags, so that nothing of paks ever
 * lands in the container's config and hence in a saved image; it applies
 * that environment and execs the shell.
 *
 *   paks-launch SHELL [ARGS...]   run the shell with DIR/launch.env
 *
 * The user the shell runs as (PAKS_USER in launch.env) is applied here, not
 * with the engine's --user: the engine would record it in a saved image,
 * and a non-root user could not enter the private runtime directory.  The
 * launcher starts as root and drops its privileges; the runtime directory
 * stays paks's (under rootless podman the user is a sub-uid on the host,
 * and handing it the directory would lock paks out).  The shell needs
 * nothing in it: its connection comes from the launcher, the preload from
 * its own read-only mount (PAKS_LIB_DIR_CTR).
 *
 * The first start of an image whose mode paks has not cached is also the
 * look at its shell (see PAKS_CHECK_SHELL in paks-protocol.h): there is no
 * separate probe container, so every container paks starts is the user's
 * own, with the user's flags.
 *
 * Before anything else, while it is the container's only process, it
 * connects to the session's socket (preload mode only; paks accepts this
 * one connection and removes the socket) and passes the connection to the
 * shell on PAKS_CHANNEL_FD, named with its own pid, which is the shell's
 * after exec.  The fd stays valid when the launcher drops privileges.
 * Then it waits at paks's gate (PAKS_GATE_NAME) until launch.env is right
 * for this start: paks may start the container before it has checked the
 * image it named.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paks-protocol.h"

#define ENV_MAX (4 << 20)

static char *dir_of(const char *argv0)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", argv0);
	return dirname(buf);
}

static char *read_env_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t n = 0;

	if (fd < 0)
		return NULL;
	buf = malloc(ENV_MAX + 1);
	while (buf && n < ENV_MAX) {
		ssize_t r = read(fd, buf + n, ENV_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

/* Replace the environment by the NUL-separated records of the file, keeping
 * HOME from the engine when the file does not set it. */
static void apply_env(const char *dir)
{
	char path[PATH_MAX];
	const char *home = getenv("HOME");
	char *home_copy = home ? strdup(home) : NULL;
	size_t len = 0;
	char *buf;

	snprintf(path, sizeof(path), "%s/launch.env", dir);
	buf = read_env_file(path, &len);
	if (!buf)
		return;
	/* The file may hold values given with -e: do not leave it around. */
	unlink(path);
	clearenv();
	for (size_t i = 0; i < len;) {
		char *rec = buf + i;
		size_t n = strnlen(rec, len - i);
		char *eq;
		if (n == len - i)
			break; /* unterminated: ignore */
		eq = strchr(rec, '=');
		if (eq && eq != rec) {
			*eq = '\0';
			setenv(rec, eq + 1, 1);
		}
		i += n + 1;
	}
	if (home_copy && !getenv("HOME"))
		setenv("HOME", home_copy, 1);
	free(home_copy);
}

/* NAME, or a number as the engines' --user takes it. */
static int parse_id(const char *name, long *num)
{
	char *end;

	*num = strtol(name, &end, 10);
	return *name && *end == '\0';
}

/* Look NAME (or a number) up in the image's /etc/passwd.  The launcher is
 * static, so it reads the file with fgetpwent(3) rather than through NSS. */
static int lookup_user(const char *name, long *uid, long *gid, char *home,
		       size_t homelen)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	long num;
	int numeric = parse_id(name, &num);

	while (f && (pw = fgetpwent(f))) {
		if (strcmp(pw->pw_name, name) == 0 ||
		    (numeric && (long)pw->pw_uid == num)) {
			*uid = (long)pw->pw_uid;
			*gid = (long)pw->pw_gid;
			snprintf(home, homelen, "%s", pw->pw_dir);
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	return numeric ? (*uid = num, 0) : -1;
}

/* The same for a group in the image's /etc/group, with fgetgrent(3). */
static int lookup_group(const char *name, long *gid)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *gr;
	long num;
	int numeric = parse_id(name, &num);

	while (f && (gr = fgetgrent(f))) {
		if (strcmp(gr->gr_name, name) == 0 ||
		    (numeric && (long)gr->gr_gid == num)) {
			*gid = (long)gr->gr_gid;
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	return numeric ? (*gid = num, 0) : -1;
}

/* paks gives what #cp brings in to the shell's user: tell it the ids
 * (PAKS_IDS_NAME), resolved in the image's own /etc/passwd. */
static void record_ids(const char *dir, long uid, long gid)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, PAKS_IDS_NAME);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%ld:%ld\n", uid, gid);
		fclose(f);
	}
}

/* Supplementary groups: the groups of /etc/group that list the user. */
static int set_groups(const char *user, gid_t gid)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *gr;
	gid_t groups[64];
	size_t n = 0;

	groups[n++] = gid;
	while (f && n < 64 && (gr = fgetgrent(f))) {
		for (char **m = gr->gr_mem; m && *m && n < 64; m++) {
			if (strcmp(*m, user) == 0)
				groups[n++] = gr->gr_gid;
		}
	}
	if (f)
		fclose(f);
	return setgroups(n, groups);
}

/* USER[:GROUP], names or numbers, as the engines' --user takes it. */
static int become_user(const char *spec, const char *dir)
{
	char user[256], home[PATH_MAX] = "";
	char *colon;
	long uid = -1, gid = -1, g;

	snprintf(user, sizeof(user), "%s", spec);
	colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	if (lookup_user(user, &uid, &gid, home, sizeof(home)) < 0) {
		fprintf(stderr, "paks: no user '%s' in the container\n", user);
		return -1;
	}
	if (colon && *colon) {
		if (lookup_group(colon, &g) < 0) {
			fprintf(stderr,
				"paks: no group '%s' in the "
				"container\n",
				colon);
			return -1;
		}
		gid = g;
	}
	if (gid < 0)
		gid = uid;
	record_ids(dir, uid, gid);
	/* Groups first, then gid, then uid: each needs the privilege the
	 * next one drops.  A failure keeps root's groups, so it is fatal. */
	if (getuid() == 0 && set_groups(user, (gid_t)gid) < 0) {
		fprintf(stderr, "paks: cannot set the groups of '%s': %s\n",
			spec, strerror(errno));
		return -1;
	}
	if (setgid((gid_t)gid) < 0 || setuid((uid_t)uid) < 0) {
		fprintf(stderr, "paks: cannot become user '%s': %s\n", spec,
			strerror(errno));
		return -1;
	}
	if (*home)
		setenv("HOME", home, 1);
	return 0;
}

/* The connection to paks, on PAKS_CHANNEL_FD; -1 without one (PTY mode
 * has no socket). */
static int connect_host(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir,
		     PAKS_SOCKET_NAME);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	/* Ours is the first connection in paks's queue; with the path gone
	 * no later process can queue another, even before paks accepts. */
	unlink(sa.sun_path);
	if (fd != PAKS_CHANNEL_FD) {
		/* dup2 clears close-on-exec on the copy: the shell gets it. */
		if (dup2(fd, PAKS_CHANNEL_FD) < 0) {
			close(fd);
			return -1;
		}
		close(fd);
	} else {
		fcntl(fd, F_SETFD, 0);
	}
	return PAKS_CHANNEL_FD;
}

/* Wait at the gate (PAKS_GATE_NAME): 0 when paks says go, -1 when this
 * start is void. */
static int wait_gate(const char *dir)
{
	char path[PATH_MAX], b = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, PAKS_GATE_NAME);
	/* Not blocking: a FIFO that paks has already let go of (or that a
	 * dead paks held) has no writer, and a blocking open would wait for
	 * one for ever.  Then read says 0 (no writer: the start is void) or
	 * EAGAIN (paks holds it: wait for its byte). */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		fprintf(stderr, "paks: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		n = read(fd, &b, 1);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			break;
		/* Linux reports no hang-up for a writer that was there
		 * before this open: look again now and then. */
		poll(&p, 1, 100);
	}
	close(fd);
	return n == 1 && b == PAKS_GATE_GO ? 0 : -1;
}

static const char *find_in_path(const char *name)
{
	static char buf[PATH_MAX];
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (strchr(name, '/'))
		return name;
	copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", d, name);
		if (access(buf, X_OK) == 0) {
			free(copy);
			return buf;
		}
	}
	free(copy);
	return NULL;
}

/* The program interpreter of an ELF file, "" for a static one, NULL when it
 * is not a 64-bit ELF we can read. */
static int elf_interp(const char *path, char *out, size_t outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	int found = 0;

	out[0] = '\0';
	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return -1;
	}
	for (int i = 0; i < eh.e_phnum && !found; i++) {
		Elf64_Phdr ph;
		off_t off = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;
		if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP && ph.p_filesz < outlen) {
			if (pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) ==
			    (ssize_t)ph.p_filesz) {
				out[ph.p_filesz] = '\0';
				found = 1;
			}
		}
	}
	close(fd);
	return 0;
}

/* Can the preload live in this shell?  Only a dynamically linked glibc
 * bash can host it; everything else gets the PTY proxy. */
static const char *shell_mode(const char *shell)
{
	const char *path = find_in_path(shell);
	char real[PATH_MAX], interp[PATH_MAX];
	const char *base;

	if (!path || access(path, X_OK) != 0 || !realpath(path, real))
		return "missing";
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strcmp(base, "bash") != 0 ||
	    elf_interp(real, interp, sizeof(interp)) < 0 ||
	    !strstr(interp, "ld-linux"))
		return "pty";
	return "preload";
}

/* Look at the shell when paks asks (launch.env), write the verdict for
 * paks to cache, and say whether this start is the wrong one: 1 when the
 * container must start again (no shell, or the PTY proxy is needed).  A
 * missing default bash is replaced by /bin/sh in ARGV here, so that a
 * script on stdin is never lost to a second start. */
static int check_shell(const char *dir, int argc, char **argv)
{
	char shell[PATH_MAX], path[PATH_MAX], line[PATH_MAX + 16];
	static char sh[] = "/bin/sh";
	const char *mode, *running;
	int fallback = getenv(PAKS_CHECK_FALLBACK) != NULL;
	int automode = getenv(PAKS_CHECK_AUTO) != NULL;
	FILE *f;

	snprintf(shell, sizeof(shell), "%s", getenv(PAKS_CHECK_SHELL));
	unsetenv(PAKS_CHECK_SHELL);
	unsetenv(PAKS_CHECK_FALLBACK);
	unsetenv(PAKS_CHECK_AUTO);
	mode = shell_mode(shell);
	if (strcmp(mode, "missing") == 0 && fallback &&
	    strcmp(shell_mode(sh), "missing") != 0) {
		/* The shell is the last argument that names it (zsh's
		 * options come after it). */
		for (int i = argc - 1; i >= 1; i--) {
			if (strcmp(argv[i], shell) == 0) {
				argv[i] = sh;
				break;
			}
		}
		snprintf(shell, sizeof(shell), "%s", sh);
		mode = shell_mode(shell);
	}
	snprintf(line, sizeof(line), "%s %s\n", mode, shell);
	snprintf(path, sizeof(path), "%s/%s", dir, PAKS_VERDICT_NAME);
	f = fopen(path, "we");
	if (f) {
		fputs(line, f);
		fclose(f);
	}
	running = getenv("LD_PRELOAD") ? "preload" : "pty";
	return strcmp(mode, "missing") == 0 ||
	       (automode && strcmp(mode, running) != 0);
}

int main(int argc, char **argv)
{
	const char *dir = dir_of(argv[0]);
	const char *shell;
	int chan;

	if (argc < 2) {
		fputs("paks-launch: usage: paks-launch SHELL [ARGS...]\n",
		      stderr);
		return 127;
	}
	chan = connect_host(dir);
	if (wait_gate(dir) < 0)
		return PAKS_EXIT_RESTART;
	apply_env(dir);
	if (getenv(PAKS_CHECK_SHELL) && check_shell(dir, argc, argv))
		return PAKS_EXIT_RESTART;
	if (chan >= 0) {
		char hint[64];
		snprintf(hint, sizeof(hint), "%d:%ld", chan, (long)getpid());
		setenv(PAKS_ENV_CHANNEL, hint, 1);
	}
	if (getenv("PAKS_USER")) {
		char spec[256];
		snprintf(spec, sizeof(spec), "%s", getenv("PAKS_USER"));
		unsetenv("PAKS_USER");
		if (*spec && become_user(spec, dir) < 0)
			return 126;
	}
	shell = find_in_path(argv[1]);
	if (shell)
		execv(shell, argv + 1);
	fprintf(stderr, "paks: cannot run %s in the container: %s\n", argv[1],
		shell ? strerror(errno) : "not found");
	return 127;
}
