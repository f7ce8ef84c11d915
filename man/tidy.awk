# SPDX-License-Identifier: MIT
#
# scdoc writes a paragraph macro (.P) around every block, also where it
# starts nothing: right after .TH/.SH/.SS, before a heading, and as the last
# line inside an indented block (.P then .RE).  mandoc -T lint -W warning
# reports each ("skipping paragraph macro"), and `make check` wants the
# pages clean.  So the break before .RE moves after it, where it still
# separates the list entries, and the ones that start nothing go.
# Usage: scdoc <PAGE.scd | awk -f man/tidy.awk >PAGE
function heading(l) {
	return l ~ /^\.(SH|SS|TH)( |$)/
}
function para(l) {
	return l == ".P" || l == ".PP"
}
{ n = NR; line[n] = $0 }
END {
	for (i = 1; i < n; i++)
		if (para(line[i]) && line[i + 1] == ".RE") {
			line[i] = ".RE"
			line[i + 1] = ".P"
		}
	prev = ""
	for (i = 1; i <= n; i++) {
		next_line = i < n ? line[i + 1] : ""
		if (para(line[i]) && (prev == "" || heading(prev) ||
		    para(prev) || i == n || heading(next_line) ||
		    para(next_line) || next_line == ".RE"))
			continue
		print line[i]
		if (line[i] !~ /^\.\\"/)
			prev = line[i]
	}
}
