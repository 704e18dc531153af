/*
 * toolchain.c - finding the runtime and running the C compiler for
 * `migc build --binary`. See toolchain.h.
 *
 * The compiler is run with fork and execvp, never through a shell, so no
 * path or flag is ever re-parsed: $CC, $CFLAGS, $MIGC_LINK_LIBS and $LDFLAGS
 * are split on whitespace (as make does for a plain variable) and nothing
 * else.
 */
#define _POSIX_C_SOURCE 200809L

#include "toolchain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outfile.h"
#include "tempfile.h"
#include "util.h"

/* What the runtime needs of the system whatever MIGC_LINK_LIBS says: the
 * progress thread (-pthread) and dlopen() for libpq (-ldl before glibc
 * 2.34, nothing since). */
#ifndef MIGC_SYS_LIBS
#define MIGC_SYS_LIBS "-pthread"
#endif
/* Set by the Makefile: where `make install` puts migc. */
#ifndef MIGC_PREFIX
#define MIGC_PREFIX "/usr/local"
#endif

/* A NULL-terminated argument vector that owns its strings. */
struct args {
	char **v;
	size_t n, cap;
};

static void args_free(struct args *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int args_push_n(struct args *a, const char *s, size_t len)
{
	char *copy;

	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **p = realloc(a->v, cap * sizeof(*p));

		if (!p)
			return MIGC_ENOMEM;
		a->v = p;
		a->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return MIGC_ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	a->v[a->n++] = copy;
	a->v[a->n] = NULL;
	return 0;
}

static int args_push(struct args *a, const char *s)
{
	return args_push_n(a, s, strlen(s));
}

/* Append the whitespace-separated words of `s`. */
static int args_split(struct args *a, const char *s)
{
	static const char ws[] = " \t\n\r\f\v";

	for (;;) {
		size_t n;

		s += strspn(s, ws);
		if (!*s)
			return 0;
		n = strcspn(s, ws);
		if (args_push_n(a, s, n))
			return MIGC_ENOMEM;
		s += n;
	}
}

/* The command line as one string, for messages. */
static void args_join(const struct args *a, char *out, size_t size)
{
	migc_buf b = MIGC_BUF_INIT;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (migc_buf_printf(&b, "%s%s", i ? " " : "", a->v[i]))
			break;
	migc_strlcpy(out, b.data ? b.data : "", size);
	migc_buf_free(&b);
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "<dir>/<name>" in a new string, or NULL. */
static char *join(const char *dir, const char *name)
{
	migc_buf b = MIGC_BUF_INIT;

	if (migc_buf_printf(&b, "%s/%s", dir, name)) {
		migc_buf_free(&b);
		return NULL;
	}
	return migc_buf_detach(&b);
}

/* Directory of the running executable, or NULL. */
static char *exe_dir(void)
{
	size_t size = 256;

	for (;;) {
		char *buf = malloc(size), *slash;
		ssize_t n;

		if (!buf)
			return NULL;
		n = readlink("/proc/self/exe", buf, size);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			slash = strrchr(buf, '/');
			if (!slash) {
				free(buf);
				return NULL;
			}
			*slash = '\0';
			return buf;
		}
		free(buf);
		size *= 2;
	}
}

/*
 * Try one place: `libdir`/libmigc.a and `incdir`/migc.h. Returns 1 and
 * fills `tc` when both are there, 0 when not, or MIGC_ENOMEM.
 */
static int try_place(struct toolchain *tc, const char *libdir,
		     const char *incdir)
{
	char *lib = join(libdir, "libmigc.a"), *hdr = join(incdir, "migc.h");
	int found;

	if (!lib || !hdr) {
		free(lib);
		free(hdr);
		return MIGC_ENOMEM;
	}
	found = is_file(lib) && is_file(hdr);
	free(hdr);
	if (!found) {
		free(lib);
		return 0;
	}
	tc->library = lib;
	tc->include_dir = migc_strdup(incdir);
	if (!tc->include_dir) {
		toolchain_free(tc);
		return MIGC_ENOMEM;
	}
	return 1;
}

static int find_in_exe_dir(struct toolchain *tc)
{
	char *dir = exe_dir(), *inc = NULL, *lib = NULL, *up_inc = NULL;
	int rc = MIGC_ENOMEM;

	if (!dir)
		return 0;
	inc = join(dir, "include");
	lib = join(dir, "../lib");
	up_inc = join(dir, "../include");
	if (inc && lib && up_inc) {
		rc = try_place(tc, dir, inc);
		if (rc == 0)
			rc = try_place(tc, lib, up_inc);
	}
	free(dir);
	free(inc);
	free(lib);
	free(up_inc);
	return rc;
}

int toolchain_find(struct toolchain *tc, migc_error *err)
{
	const char *libdir = getenv("MIGC_LIBDIR");
	const char *incdir = getenv("MIGC_INCLUDEDIR");
	int rc;

	memset(tc, 0, sizeof(*tc));
	if ((libdir && *libdir) || (incdir && *incdir)) {
		rc = try_place(tc, libdir && *libdir ? libdir : MIGC_PREFIX "/lib",
			       incdir && *incdir ? incdir : MIGC_PREFIX "/include");
		if (rc == 1)
			return 0;
		if (rc == 0) {
			migc_err(err, MIGC_EUSAGE,
				 "no libmigc.a in '%s' or no migc.h in '%s'",
				 libdir && *libdir ? libdir : MIGC_PREFIX "/lib",
				 incdir && *incdir ? incdir : MIGC_PREFIX "/include");
			migc_err_hint(err, "set MIGC_LIBDIR to the directory of libmigc.a and "
					   "MIGC_INCLUDEDIR to the directory of migc.h");
			return MIGC_EUSAGE;
		}
	} else {
		rc = find_in_exe_dir(tc);
		if (rc == 0)
			rc = try_place(tc, MIGC_PREFIX "/lib", MIGC_PREFIX "/include");
		if (rc == 1)
			return 0;
	}
	if (rc == MIGC_ENOMEM)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	migc_err(err, MIGC_EUSAGE, "cannot find the migc runtime (libmigc.a and migc.h)");
	migc_err_hint(err, "install migc with 'make install', or set MIGC_LIBDIR and "
			   "MIGC_INCLUDEDIR to the directories of libmigc.a and migc.h");
	return MIGC_EUSAGE;
}

void toolchain_free(struct toolchain *tc)
{
	free(tc->library);
	free(tc->include_dir);
	memset(tc, 0, sizeof(*tc));
}

static int build_args(struct args *a, const struct toolchain *tc,
		      const char *bundle_c, const char *output)
{
	const char *cc = getenv("CC"), *cflags = getenv("CFLAGS");
	const char *ldflags = getenv("LDFLAGS");
	const char *libs = getenv("MIGC_LINK_LIBS");
	int own_libs = libs && libs[strspn(libs, " \t\n")];
	char *inc = NULL;
	int rc;

	if (!cc || !cc[strspn(cc, " \t\n")])
		cc = "cc";
	if (!cflags)
		cflags = "-O2";
	if (!own_libs)
		libs = MIGC_LINK_LIBS;
	inc = malloc(strlen(tc->include_dir) + 3);
	if (!inc)
		return MIGC_ENOMEM;
	memcpy(inc, "-I", 2);
	memcpy(inc + 2, tc->include_dir, strlen(tc->include_dir) + 1);
	rc = args_split(a, cc);
	if (!rc)
		rc = args_split(a, cflags);
	if (!rc)
		rc = args_push(a, inc);
	if (!rc)
		rc = args_push(a, "-DMIGC_BUNDLE_MAIN");
	if (!rc)
		rc = args_push(a, bundle_c);
	if (!rc)
		rc = args_push(a, tc->library);
	if (!rc)
		rc = args_split(a, libs);
	/* the runtime's progress line is a thread and libpq is loaded with
	 * dlopen(): the built-in list has what they need (the Makefile's
	 * LINK_LIBS), a replacement gets it here */
	if (!rc && own_libs)
		rc = args_split(a, MIGC_SYS_LIBS);
	if (!rc && ldflags)
		rc = args_split(a, ldflags);
	if (!rc)
		rc = args_push(a, "-o");
	if (!rc)
		rc = args_push(a, output);
	free(inc);
	return rc;
}

/*
 * Run argv and wait. `*exec_errno` is set when the program could not be
 * started at all (reported through a close-on-exec pipe).
 */
static int run_wait(char **argv, int *status, int *exec_errno)
{
	int pipefd[2], e = 0;
	ssize_t n;
	pid_t pid;

	*exec_errno = 0;
	if (pipe(pipefd) != 0)
		return -1;
	fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid > 0)
		tempfile_child(pid); /* a signal reaches the compiler too */
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		execvp(argv[0], argv);
		e = errno;
		if (write(pipefd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(e))
		*exec_errno = e;
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			tempfile_child(0);
			return -1;
		}
	tempfile_child(0);
	return 0;
}

int toolchain_link(const struct toolchain *tc, const char *bundle_c,
		   const char *output, migc_error *err)
{
	struct args a = {NULL, 0, 0};
	struct outfile of;
	char cmd[400];
	int rc, status = 0, exec_errno = 0;

	rc = outfile_open(&of, output, 0, err);
	if (rc)
		return rc;
	fclose(of.file);
	of.file = NULL;
	if (build_args(&a, tc, bundle_c, of.tmp)) {
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
		goto out;
	}
	args_join(&a, cmd, sizeof(cmd));
	if (run_wait(a.v, &status, &exec_errno) != 0) {
		rc = migc_err(err, MIGC_ERROR, "cannot run the C compiler: %s", strerror(errno));
	} else if (exec_errno) {
		rc = migc_err(err, MIGC_ERROR, "cannot run the C compiler '%s': %s",
			      a.v[0], strerror(exec_errno));
		migc_err_hint(err, "install one (apt-get install gcc) or set CC to it");
	} else if (WIFSIGNALED(status)) {
		rc = migc_err(err, MIGC_ERROR, "the C compiler was killed by signal %d "
			      "while building '%s'", WTERMSIG(status), output);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = migc_err(err, MIGC_ERROR, "the C compiler failed (exit %d) building '%s'",
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1, output);
		migc_err_hint(err, "check CC, CFLAGS and LDFLAGS; the command was: %s", cmd);
	}
	if (!rc)
		rc = outfile_commit(&of, 0777, err);
out:
	if (rc)
		outfile_abort(&of);
	args_free(&a);
	return rc;
}
