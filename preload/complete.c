/* SPDX-License-Identifier: MIT */
/*
 * Tab completion on '#' lines.  We sit in front of bash's
 * rl_attempted_completion_function and only act when the line starts with
 * '#' followed by a letter (or is just '#'): the host gets COMPLETE with
 * the line up to the cursor and answers CANDIDATE frames, each the whole
 * last word (after the last space) as it should read.  readline's own word
 * may start later (bash breaks words at ':' and '='), so that head is cut
 * off.  If the host is gone there are simply no candidates, silently.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "paks-protocol.h"
#include "preload.h"

#define MAX_CANDIDATES 4096

struct cand_list {
	char **v;
	size_t n;
	size_t cap;
	const char *head; /* the part of the host's word before readline's */
	size_t head_len;
	size_t next; /* generator position */
};

static rl_completion_func_t *prev_complete;
static struct cand_list cands;

static int on_candidate(void *arg, uint32_t type, const unsigned char *p,
			uint32_t len)
{
	struct cand_list *l = arg;
	char *s;

	if (type != PAKS_MSG_CANDIDATE || l->n >= MAX_CANDIDATES ||
	    len < l->head_len || memchr(p, '\0', len) ||
	    memcmp(p, l->head, l->head_len) != 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return 0;
		l->v = nv;
		l->cap = cap;
	}
	s = malloc(len - l->head_len + 1);
	if (!s)
		return 0;
	memcpy(s, p + l->head_len, len - l->head_len);
	s[len - l->head_len] = '\0';
	l->v[l->n++] = s;
	return 0;
}

static void cands_free(struct cand_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static char *cand_generator(const char *text, int state)
{
	size_t tlen = strlen(text);

	if (state == 0)
		cands.next = 0;
	while (cands.next < cands.n) {
		const char *c = cands.v[cands.next++];
		if (strncmp(c, text, tlen) == 0)
			return strdup(c);
	}
	return NULL;
}

static bool is_paks_completion(int end)
{
	char c;

	if (!rl_line_buffer || end < 1 || end > rl_end ||
	    rl_line_buffer[0] != '#' || !bashstate_at_primary_prompt())
		return false;
	if (end == 1)
		return true;
	c = rl_line_buffer[1];
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void set_over(int v)
{
	if (&rl_attempted_completion_over)
		rl_attempted_completion_over = v;
}

/* The host's word starts after the last space before the cursor. */
static size_t host_word_start(const char *line, int end)
{
	size_t w = 0;

	for (int i = 0; i < end; i++)
		if (line[i] == ' ')
			w = (size_t)i + 1;
	return w;
}

static char **complete_paks(const char *text, int start, int end)
{
	size_t w = host_word_start(rl_line_buffer, end);
	char **matches = NULL;

	set_over(1);
	if ((size_t)start < w)
		return NULL;
	memset(&cands, 0, sizeof(cands));
	cands.head = rl_line_buffer + w;
	cands.head_len = (size_t)start - w;
	channel_request(PAKS_MSG_COMPLETE, rl_line_buffer, (size_t)end,
			CHANNEL_QUIET, on_candidate, &cands);
	if (cands.n > 0) {
		matches = rl_completion_matches(text, cand_generator);
	} else if (w > 0) {
		/* Arguments the host knows nothing about are paths in the
		 * container: readline's filename completion. */
		set_over(0);
	}
	if (matches && !matches[1] && &rl_completion_suppress_append) {
		size_t n = strlen(matches[0]);
		if (n && (matches[0][n - 1] == '/' || matches[0][n - 1] == ':'))
			rl_completion_suppress_append = 1;
	}
	cands_free(&cands);
	return matches;
}

char **complete_attempt(const char *text, int start, int end)
{
	if (!is_paks_completion(end))
		return prev_complete ? prev_complete(text, start, end) : NULL;
	return complete_paks(text, start, end);
}

void complete_install(void)
{
	/* `read -e` clears the function while it runs and puts back what
	 * it found; never capture that NULL. */
	if (&executing_builtin && executing_builtin)
		return;
	if (rl_attempted_completion_function == complete_attempt)
		return;
	prev_complete = rl_attempted_completion_function;
	rl_attempted_completion_function = complete_attempt;
}
