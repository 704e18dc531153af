/*
 * main.c - the `migc` command: a table of commands, git style, each a
 * cmd_<name>(argc, argv) in its own file. This file only dispatches, and
 * answers --version and help, and shuts libgit2 down after a command that
 * used it (git.h: it is initialised on first use).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "git.h"
#include "migc.h"
#include "ui.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

static const struct command commands[] = {
	{ "build", cmd_build, cmd_build_usage, "compile the migrations into a C bundle or a release binary" },
	{ "check", cmd_check, cmd_check_usage, "the CI drift check: compare the migrations with a git branch" },
	{ "lint", cmd_lint, cmd_lint_usage, "the rolling-deploy lint: statements that break running code" },
	{ "list", cmd_list, cmd_list_usage, "show the migrations in order, with flags and checksums" },
	{ "new", cmd_new, cmd_new_usage, "create the next migration file" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char main_usage[] =
	"usage: migc [--version] [--help] <command> [<args>]\n";

static void print_help(FILE *out)
{
	size_t i;

	fputs(main_usage, out);
	fputs("\nmigc compiles a directory of SQL migrations into a C bundle and a\n"
	      "self-contained release binary (`migrate`) that applies them.\n\n"
	      "commands:\n", out);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nSee 'migc help <command>' or 'migc <command> --help' for one command.\n"
	      "Exit codes: 0 success, 1 invalid migrations or failure, 2 usage error.\n", out);
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	ui_errorf("'%s' is not a migc command", name);
	ui_hint("see 'migc --help' for the list of commands");
	return UI_EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		print_help(stdout);
		return UI_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	fputs(c->usage, stdout);
	return UI_EXIT_OK;
}

/* 1 when the command's arguments ask for help (before any "--"). */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

/* Run a command; libgit2 is initialised only if it opens a repository (git.h). */
static int run_command(const struct command *c, int argc, char **argv)
{
	int rc = c->fn(argc, argv);

	repo_lib_shutdown();
	return rc;
}

int main(int argc, char **argv)
{
	const struct command *c;
	int rc;

	if (argc < 2) {
		print_help(stderr);
		return UI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("migc %s (bundle ABI %d)\n", MIGC_VERSION, MIGC_BUNDLE_ABI);
		return UI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	if (!strcmp(argv[1], "help"))
		return cmd_help(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		ui_errorf("unknown option '%s'", argv[1]);
		fputs(main_usage, stderr);
		return UI_EXIT_USAGE;
	}
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	if (wants_help(argc - 1, argv + 1)) {
		fputs(c->usage, stdout);
		return UI_EXIT_OK;
	}
	rc = run_command(c, argc - 1, argv + 1);
	if (fflush(stdout) != 0 && rc == UI_EXIT_OK) {
		ui_errorf("cannot write the output");
		rc = UI_EXIT_INVALID;
	}
	return rc;
}
