/* SPDX-License-Identifier: MIT */
/*
 * paks-launch: the first process in a paks container.  It is static so it
 * runs in any image (glibc, musl or none).  `paks run` hands it the shell's
 * environment in a file instead of `-e` flags, so that nothing of paks ever
 * lands in the container's config and hence in a saved image; it applies
 * that environment and execs the shell.
 *
 *   paks-launch SHELL [ARGS...]   run the shell with DIR/launch.env
 *   paks-launch --probe SHELL     print "preload", "pty" or "missing"
 */
#include <sys/stat.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
static int probe(const char *shell)
{
	const char *path = find_in_path(shell);
	char real[PATH_MAX], interp[PATH_MAX];
	const char *base;

	if (!path || access(path, X_OK) != 0 || !realpath(path, real)) {
		puts("missing");
		return 0;
	}
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strcmp(base, "bash") != 0 || elf_interp(real, interp,
						    sizeof(interp)) < 0 ||
	    !strstr(interp, "ld-linux")) {
		puts("pty");
		return 0;
	}
	puts("preload");
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = dir_of(argv[0]);
	const char *shell;

	if (argc >= 3 && strcmp(argv[1], "--probe") == 0)
		return probe(argv[2]);
	if (argc < 2) {
		fputs("paks-launch: usage: paks-launch SHELL [ARGS...]\n",
		      stderr);
		return 127;
	}
	apply_env(dir);
	shell = find_in_path(argv[1]);
	if (shell)
		execv(shell, argv + 1);
	fprintf(stderr, "paks: cannot run %s in the container: %s\n", argv[1],
		shell ? strerror(errno) : "not found");
	return 127;
}
