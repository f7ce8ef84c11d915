/* SPDX-License-Identifier: MIT */
/*
 * paks-launch: the first process in a paks container.  It is static so it
 * runs in any image (glibc, musl or none).
 *
 *   paks-launch [ENTRYPOINT...] SHELL [ARGS...]
 *
 * Before anything else, while it is the container's only process, it
 * connects to the session's socket in the runtime directory (paks accepts
 * this one connection and removes the socket).  On that connection paks
 * sends the shell's environment and the launcher's controls (the launch
 * handshake, see paks-protocol.h): nothing of it is a file, and the
 * runtime directory is read-only in the container.  paks may start the
 * container before it has checked the image it named: the launcher waits
 * for GO, and a connection that ends before it means this start is void.
 *
 * The user the shell runs as (PAKS_CTL_USER) is applied here, not with
 * the engine's --user: the engine would record it in a saved image, and a
 * non-root user could not enter the private runtime directory.  The
 * launcher starts as root and drops its privileges.
 *
 * The first start of an image whose mode paks has not cached is also the
 * look at its shell (PAKS_CTL_CHECK): there is no separate probe
 * container.  The launcher reports its verdict and the shell user's ids,
 * then execs the shell: in preload mode with the connection on
 * PAKS_CHANNEL_FD, named with its own pid, which is the shell's after exec;
 * in PTY mode without it.  With an entrypoint (PAKS_CTL_ENTRYPOINT), the
 * connection never passes through the entrypoint: see launch-relay.c.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "paks-protocol.h"

#define ENV_MAX (4u << 20)

static char *dir_of(const char *argv0)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", argv0);
	return dirname(buf);
}

/* Read exactly N bytes: 0, or -1 at end of file or on an error. */
static int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Room for N more bytes of records in *BUF (HAVE held, NUL-ended), within
 * ENV_MAX: where they go, or NULL.  The caller adds N to its count. */
static char *room(char **buf, size_t have, size_t n)
{
	char *nb;

	if (have + n > ENV_MAX || !(nb = realloc(*buf, have + n + 1)))
		return NULL;
	*buf = nb;
	nb[have + n] = '\0';
	return nb + have;
}

/* paks's launch message: ENV frames, then GO with the controls.  0, or -1
 * when the connection ended first (this start is void) or carried what
 * paks does not send. */
static int read_launch(int fd, struct launch *l)
{
	unsigned char hdr[PAKS_FRAME_HDR];
	uint32_t type, len;

	for (;;) {
		char **buf, *at;
		size_t *have;
		if (read_full(fd, hdr, sizeof(hdr)) < 0 ||
		    proto_decode_header(hdr, &type, &len) < 0 ||
		    (type != PAKS_MSG_ENV && type != PAKS_MSG_GO))
			return -1;
		buf = type == PAKS_MSG_ENV ? &l->env : &l->ctl;
		have = type == PAKS_MSG_ENV ? &l->env_len : &l->ctl_len;
		at = room(buf, *have, len);
		if (!at || read_full(fd, at, len) < 0)
			return -1;
		*have += len;
		if (type == PAKS_MSG_GO)
			return 0;
	}
}

/* The value of control KEY, or NULL. */
const char *launch_ctl(const struct launch *l, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < l->ctl_len;) {
		const char *rec = l->ctl + i;
		size_t n = strnlen(rec, l->ctl_len - i);
		if (n > klen && strncmp(rec, key, klen) == 0 &&
		    rec[klen] == '=')
			return rec + klen + 1;
		i += n + 1;
	}
	return NULL;
}

/* Replace the environment by paks's records, keeping HOME from the engine
 * when they do not set it. */
static void apply_env(const struct launch *l)
{
	const char *home = getenv("HOME");
	char *home_copy = home ? strdup(home) : NULL;
	char *buf = l->env;
	size_t len = l->env_len;

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
			*eq = '=';
		}
		i += n + 1;
	}
	if (home_copy && !getenv("HOME"))
		setenv("HOME", home_copy, 1);
	free(home_copy);
}

const char *launch_preload_path(void)
{
	if (access(PAKS_CONTAINER_DIR "/" PAKS_BRIDGE_MARK, F_OK) == 0)
		return PAKS_CONTAINER_DIR "/" PAKS_PRELOAD_NAME;
	return PAKS_LIB_DIR_CTR "/" PAKS_PRELOAD_NAME;
}

/* The connection to paks (close-on-exec), or -1: the session's socket in
 * DIR, or through the bridge when DIR is an engine's volume. */
static int connect_host(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char mark[PATH_MAX];
	int fd, n;

	snprintf(mark, sizeof(mark), "%s/%s", dir, PAKS_BRIDGE_MARK);
	if (access(mark, F_OK) == 0)
		return launch_rendezvous();
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
	return fd;
}

/* The program interpreter of an ELF file, "" for a static one, NULL when it
 * is not a 64-bit ELF we can read. */
static int elf_interp(const char *path, char *out, size_t outlen)
{
	int fd = launch_open_regular(path);
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
	const char *path = launch_find_in_path(shell);
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

/* Look at the shell paks asks about (PAKS_CTL_CHECK), put the verdict in
 * VERDICT for the report, and say whether this start is the wrong one: 1
 * when the container must start again (no shell, or the PTY proxy is
 * needed).  A missing default bash is replaced by /bin/sh in ARGV here, so
 * that a script on stdin is never lost to a second start. */
static int check_shell(const struct launch *l, int first, int argc, char **argv,
		       char *verdict, size_t vlen)
{
	char shell[PATH_MAX];
	static char sh[] = "/bin/sh";
	const char *mode, *running;
	int fallback = launch_ctl(l, PAKS_CTL_FALLBACK) != NULL;
	int automode = launch_ctl(l, PAKS_CTL_AUTO) != NULL;

	snprintf(shell, sizeof(shell), "%s", launch_ctl(l, PAKS_CTL_CHECK));
	mode = shell_mode(shell);
	if (strcmp(mode, "missing") == 0 && fallback &&
	    strcmp(shell_mode(sh), "missing") != 0) {
		/* The shell is the last argument that names it (zsh's
		 * options come after it). */
		for (int i = argc - 1; i >= first; i--) {
			if (strcmp(argv[i], shell) == 0) {
				argv[i] = sh;
				break;
			}
		}
		snprintf(shell, sizeof(shell), "%s", sh);
		mode = shell_mode(shell);
	}
	snprintf(verdict, vlen, "%s %s", mode, shell);
	running = launch_ctl(l, PAKS_CTL_CHANNEL) ? "preload" : "pty";
	return strcmp(mode, "missing") == 0 ||
	       (automode && strcmp(mode, running) != 0);
}

/* Append REC and its NUL to *buf. */
static int add_record(char **buf, size_t *have, const char *rec)
{
	size_t n = strlen(rec) + 1;
	char *at = room(buf, *have, n);

	if (!at)
		return -1;
	memcpy(at, rec, n);
	*have += n;
	return 0;
}

/* The fast start's words (PAKS_LAUNCH_FAST, see paks-protocol.h): the
 * records into L, and the index of "--", or -1. */
static int read_fast_args(int argc, char **argv, struct launch *l)
{
	for (int i = 2; i < argc; i++) {
		const char *w = argv[i];
		if (strcmp(w, "--") == 0)
			return i;
		if ((strncmp(w, "e:", 2) != 0 && strncmp(w, "c:", 2) != 0) ||
		    add_record(w[0] == 'e' ? &l->env : &l->ctl,
			       w[0] == 'e' ? &l->env_len : &l->ctl_len,
			       w + 2) < 0)
			return -1;
	}
	return -1;
}

/* The fast start's connection: the shell's end of a socket pair, whose
 * other end a keeper (forked now, while this is still the container's only
 * process) joins to the bridge when it comes.  -1 on an error. */
static int keep_for_bridge(const struct user *u)
{
	int lfd = launch_rendezvous_listen(), sp[2];
	pid_t pid;

	if (lfd < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		close(lfd);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(sp[0]);
		_exit(launch_keep(lfd, sp[1], u));
	}
	close(lfd);
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		return -1;
	}
	return sp[0];
}

/* The launch words: from paks's connection, or in a fast start from the
 * arguments, after which (*argv)[1] is the first word after "--".  0 with
 * *conn (-1 in a fast start, with *fast set), or the exit status. */
static int take_launch(int *argc, char ***argv, struct launch *l, int *conn,
		       int *fast)
{
	if (strcmp((*argv)[1], PAKS_LAUNCH_FAST) == 0) {
		int end = read_fast_args(*argc, *argv, l);
		if (end < 0 || end + 1 >= *argc) {
			fputs("paks-launch: bad " PAKS_LAUNCH_FAST " words\n",
			      stderr);
			return 127;
		}
		*argv += end;
		*argc -= end;
		*fast = 1;
		*conn = -1;
		return 0;
	}
	*conn = connect_host(dir_of((*argv)[0]));
	if (*conn < 0 || read_launch(*conn, l) < 0)
		return PAKS_EXIT_RESTART;
	return 0;
}

/* The shell's connection once its user is known: in a fast start the
 * keeper's socket pair (when the shell keeps one), else the one to paks,
 * after the report.  0 with *conn (-1: none), or the exit status. */
static int settle_channel(const struct launch *l, int fast, int restart,
			  long nep, const char *verdict, const struct user *u,
			  int *conn)
{
	if (fast) {
		/* paks starts the fast way only without a look at the shell
		 * and without an entrypoint. */
		if (restart || nep > 0)
			return PAKS_EXIT_RESTART;
		if (launch_ctl(l, PAKS_CTL_CHANNEL) &&
		    (*conn = keep_for_bridge(u)) < 0)
			return 126;
		return 0;
	}
	if (launch_send_report(*conn, verdict, u) < 0 || restart)
		return PAKS_EXIT_RESTART;
	if (!launch_ctl(l, PAKS_CTL_CHANNEL)) {
		close(*conn);
		*conn = -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct launch l = {0};
	struct user user, *u = NULL;
	char verdict[PATH_MAX + 16] = "";
	const char *spec, *ep;
	int conn, restart = 0, first = 1, fast = 0, r;
	long nep = 0;

	if (argc < 2) {
		fputs("paks-launch: usage: paks-launch [ENTRYPOINT...] SHELL "
		      "[ARGS...]\n",
		      stderr);
		return 127;
	}
	if (strcmp(argv[1], PAKS_LAUNCH_TAKE) == 0)
		return launch_take(argc, argv);
	if (strcmp(argv[1], PAKS_LAUNCH_BRIDGE) == 0)
		return launch_bridge();
	/* Nothing but this process runs yet: what it holds is the
	 * session's alone, and stays so (non-dumpable). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	r = take_launch(&argc, &argv, &l, &conn, &fast);
	if (r != 0)
		return r;
	apply_env(&l);
	ep = launch_ctl(&l, PAKS_CTL_ENTRYPOINT);
	if (ep)
		nep = strtol(ep, NULL, 10);
	if (nep < 0 || nep >= argc - 1)
		nep = 0;
	first = 1 + (int)nep;
	if (launch_ctl(&l, PAKS_CTL_CHECK))
		restart = check_shell(&l, first, argc, argv, verdict,
				      sizeof(verdict));
	spec = launch_ctl(&l, PAKS_CTL_USER);
	if (spec && *spec && !restart) {
		if (launch_resolve_user(spec, &user) < 0)
			return 126;
		u = &user;
	}
	r = settle_channel(&l, fast, restart, nep, verdict, u, &conn);
	if (r != 0)
		return r;
	if (nep > 0 && conn >= 0)
		return launch_relay(conn, u, argc, argv, first);
	if (conn >= 0 && launch_hand_channel(conn) < 0)
		return 126;
	if (u && launch_become_user(u) < 0)
		return 126;
	return launch_exec(argv + 1);
}
