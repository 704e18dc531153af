/*
 * source_dir.c - migration files from a directory of the working tree.
 *
 * Rules (every entry is either reported to the caller or a problem; nothing
 * is skipped silently, except what is documented here):
 *  - names starting with "." (.gitkeep, .DS_Store, editor swap files) are
 *    not migrations and are ignored;
 *  - regular files are read whole;
 *  - a symlink is followed only when its target resolves inside the
 *    directory and is a regular file; a symlink leaving the directory
 *    would let the bundle depend on files outside the reviewed tree;
 *  - a subdirectory is read one level deep, its files reported as
 *    "sub/name" (diesel and prisma keep one directory per migration; for
 *    other layouts the set refuses such names); a directory inside it is
 *    a problem, as are FIFOs, devices and sockets (a FIFO would block the
 *    build). Symlinks to directories are not followed.
 * Entries are visited in byte order of their names, so messages come out
 * the same on every machine.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#define _DEFAULT_SOURCE /* d_type, DT_* */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"
#include "util.h"

struct dir_source {
	struct migc_source base;
	char *dir;      /* as the user gave it, for messages */
	char *realdir;  /* resolved, for symlink checks; NULL until needed */
};

/* One name of a directory, with readdir()'s d_type for it (DT_UNKNOWN
 * when the file system does not say). */
struct dir_name {
	char *name;
	unsigned char type;
};

struct name_list {
	struct dir_name *names;
	size_t count, cap;
};

static void name_list_free(struct name_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->names[i].name);
	free(l->names);
}

static int name_list_push(struct name_list *l, const char *name,
			  unsigned char type)
{
	char *copy;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct dir_name *p = realloc(l->names, cap * sizeof(*p));

		if (!p)
			return MIGC_ENOMEM;
		l->names = p;
		l->cap = cap;
	}
	copy = migc_strdup(name);
	if (!copy)
		return MIGC_ENOMEM;
	l->names[l->count].name = copy;
	l->names[l->count++].type = type;
	return 0;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(((const struct dir_name *)a)->name,
		      ((const struct dir_name *)b)->name);
}

/* Open the directory itself, with a message a user can act on. */
static int dir_open(struct dir_source *s, int *fd, migc_error *err)
{
	*fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	if (errno == ENOENT) {
		migc_err(err, MIGC_ENOTFOUND, "migrations directory '%s' does not exist", s->dir);
		migc_err_hint(err, "pass the directory (migc build DIR -o FILE.c), or create "
				   "the first migration with 'migc new NAME %s'", s->dir);
	} else if (errno == ENOTDIR) {
		migc_err(err, MIGC_EINVALID, "'%s' is not a directory", s->dir);
		migc_err_hint(err, "pass the directory that holds the migration files");
	} else {
		migc_err(err, MIGC_EIO, "cannot open migrations directory '%s': %s",
			 s->dir, strerror(errno));
	}
	migc_err_where(err, s->dir, 0);
	return err ? err->code : MIGC_ERROR;
}

/* Every name in the directory `fd` (called `what`) but dot files, sorted. */
static int dir_names(const char *what, int fd, struct name_list *l,
		     migc_error *err)
{
	int dfd = dup(fd);
	struct dirent *de;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return migc_err(err, MIGC_EIO, "cannot read '%s': %s", what, strerror(errno));
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (de->d_name[0] == '.')
			continue;
		if (name_list_push(l, de->d_name, de->d_type)) {
			closedir(d);
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		}
	}
	if (errno) {
		int e = errno;

		closedir(d);
		return migc_err(err, MIGC_EIO, "cannot read '%s': %s", what, strerror(e));
	}
	closedir(d);
	if (l->count)
		qsort(l->names, l->count, sizeof(*l->names), name_order);
	return 0;
}

/* Read from `fd` into buf[*len, cap) until the end of the file or until
 * the buffer is full: 0, or an errno value. */
static int read_upto(int fd, char *buf, size_t cap, size_t *len)
{
	while (*len < cap) {
		ssize_t n = read(fd, buf + *len, cap - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/*
 * Read an open file to the end: into `room` (`size_hint` bytes, may be
 * NULL) when it fits there with a NUL (*placed 1), else into a malloc'd
 * `*data` (*placed 0), carrying on from what the room holds.
 */
static int read_all(int fd, size_t size_hint, char *room, const char *display,
		    char **data, size_t *len, int *placed, migc_error *err)
{
	migc_buf b = MIGC_BUF_INIT;
	int e;

	*placed = 0;
	if (room) {
		e = read_upto(fd, room, size_hint, &b.len);
		if (e)
			goto fail;
		if (b.len < size_hint) { /* the end, and room for the NUL */
			room[b.len] = '\0';
			*data = room;
			*len = b.len;
			*placed = 1;
			return 0;
		}
		/* it grew since it was measured: on into a buffer */
		b.cap = 2 * size_hint;
		b.data = malloc(b.cap);
		if (!b.data)
			goto nomem;
		memcpy(b.data, room, b.len);
	} else {
		/* sized exactly (the file and a byte to see its end): the buffer
		 * may be kept as the file's bytes (file_owned, source.h) */
		b.cap = size_hint ? size_hint + 1 : 4096;
		b.data = malloc(b.cap);
		if (!b.data)
			goto nomem;
	}
	for (;;) { /* until a read ends before the buffer does */
		if (b.cap - b.len < 2 && migc_buf_grow(&b, b.cap))
			goto nomem;
		e = read_upto(fd, b.data, b.cap - 1, &b.len);
		if (e)
			goto fail;
		if (b.len < b.cap - 1)
			break;
	}
	b.data[b.len] = '\0';
	*len = b.len;
	*data = migc_buf_detach(&b);
	return 0;
fail:
	migc_buf_free(&b);
	migc_err(err, MIGC_EIO, "%s: read failed: %s", display, strerror(e));
	migc_err_where(err, display, 0);
	return MIGC_EIO;
nomem:
	migc_buf_free(&b);
	return migc_err(err, MIGC_ENOMEM, "%s: out of memory reading the file", display);
}

static int problem(migc_error *err, const char *display, const char *hint,
		   const char *what)
{
	migc_err(err, MIGC_EINVALID, "%s: %s", display, what);
	migc_err_where(err, display, 0);
	if (hint)
		migc_err_hint(err, "%s", hint);
	return MIGC_EINVALID;
}

static const char *type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

static int not_regular(migc_error *err, const char *display, mode_t mode,
		       const char *dir)
{
	char what[128];
	char hint[512];

	snprintf(what, sizeof(what), "not a regular file (%s)", type_name(mode));
	if (S_ISDIR(mode))
		snprintf(hint, sizeof(hint),
			 "migration files sit in '%s' or one directory below it (diesel, "
			 "prisma); move its files up or the directory out", dir);
	else
		snprintf(hint, sizeof(hint),
			 "only regular files can be migrations; remove it from '%s'", dir);
	return problem(err, display, hint, what);
}

/*
 * Resolve the symlink `name` to a path inside the directory, or fail with
 * a problem. `*target` is malloc'd.
 */
static int resolve_link(struct dir_source *s, const char *name,
			const char *display, char **target, migc_error *err)
{
	migc_buf path = MIGC_BUF_INIT;
	size_t rl;
	char *t;

	if (!s->realdir) {
		s->realdir = realpath(s->dir, NULL);
		if (!s->realdir)
			return migc_err(err, MIGC_EIO, "cannot resolve '%s': %s",
					s->dir, strerror(errno));
	}
	if (migc_buf_printf(&path, "%s/%s", s->realdir, name))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	t = realpath(path.data, NULL);
	migc_buf_free(&path);
	if (!t) {
		if (errno == ENOMEM)
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		return problem(err, display, "point the symlink at a migration file in the "
				  "same directory, or replace it with the file",
			       errno == ENOENT ? "broken symlink (its target does not exist)"
					       : "symlink cannot be resolved");
	}
	rl = strlen(s->realdir);
	if (strcmp(s->realdir, "/") == 0)
		rl = 0;
	if (strncmp(t, s->realdir, rl) != 0 || t[rl] != '/') {
		free(t);
		return problem(err, display,
			       "a migration must be part of the migrations directory; copy the "
			       "file in instead of linking to it",
			       "symlink leaves the migrations directory");
	}
	*target = t;
	return 0;
}

/*
 * A regular file by readdir's word (`type` DT_REG): opened without the
 * fstatat before, its type checked after. 1 with *fd and *st as
 * open_entry() fills them, 0 when anything else came (the entry changed
 * since the listing): open_entry() then looks at it the long way.
 */
static int open_regular(int dfd, const char *name, unsigned char type,
			int *fd, struct stat *st)
{
	if (type != DT_REG)
		return 0;
	*fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (*fd < 0)
		return 0;
	if (fstat(*fd, st) == 0 && S_ISREG(st->st_mode))
		return 1;
	close(*fd);
	*fd = -1;
	return 0;
}

/*
 * Open entry `name` for reading after checking what it is; fills `st` with
 * the opened file's status. `type` is readdir's d_type for it.
 */
static int open_entry(struct dir_source *s, int dfd, const char *name,
		      unsigned char type, const char *display, int *fd,
		      struct stat *st, migc_error *err)
{
	char *target = NULL;
	int rc;

	if (open_regular(dfd, name, type, fd, st))
		return 0;

	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
		return migc_err(err, MIGC_EIO, "%s: %s", display, strerror(errno));
	if (S_ISLNK(st->st_mode)) {
		rc = resolve_link(s, name, display, &target, err);
		if (rc)
			return rc;
		if (stat(target, st) != 0) {
			rc = migc_err(err, MIGC_EIO, "%s: %s", display, strerror(errno));
			free(target);
			return rc;
		}
	}
	if (!S_ISREG(st->st_mode)) {
		free(target);
		return not_regular(err, display, st->st_mode, s->dir);
	}
	/* O_NONBLOCK: should the entry be swapped for a FIFO meanwhile, the
	 * open does not hang; fstat below then refuses it. */
	if (target)
		*fd = open(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	else
		*fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	free(target);
	if (*fd < 0) {
		rc = migc_err(err, MIGC_EIO, "%s: cannot open: %s", display, strerror(errno));
		migc_err_where(err, display, 0);
		return rc;
	}
	if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(*fd);
		*fd = -1;
		return not_regular(err, display, st->st_mode, s->dir);
	}
	return 0;
}

/* Read one entry and hand it to the visitor; a problem goes to the visitor
 * too when it takes problems. */
static int visit(struct dir_source *s, int dfd, const char *name,
		 unsigned char type, const struct migc_source_visitor *v,
		 migc_error *err)
{
	migc_buf display = MIGC_BUF_INIT;
	size_t dl = strlen(s->dir), len = 0;
	char *data = NULL;
	struct stat st;
	int fd = -1, rc, placed = 0;

	if (migc_buf_printf(&display, "%s%s%s", s->dir,
			    dl && s->dir[dl - 1] == '/' ? "" : "/", name))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = open_entry(s, dfd, name, type, display.data, &fd, &st, err);
	if (!rc) {
		size_t size = (size_t)st.st_size + 1;
		char *room = v->room && v->file_placed && v->file_owned
			     ? v->room(v->ctx, size) : NULL;

		rc = read_all(fd, size, room, display.data, &data, &len, &placed, err);
		close(fd);
	}
	if (!rc && placed) {
		rc = v->file_placed(v->ctx, name, display.data, data, len, err);
		data = NULL; /* the visitor's memory */
	} else if (!rc && v->file_owned) {
		rc = v->file_owned(v->ctx, name, display.data, data, len, err);
		data = NULL; /* the visitor's now */
	} else if (!rc) {
		rc = v->file(v->ctx, name, display.data, data, len, err);
	} else if (rc != MIGC_ENOMEM && v->problem)
		rc = v->problem(v->ctx, err);
	free(data);
	migc_buf_free(&display);
	return rc;
}

/* Visit the files of subdirectory `sub` (open as `sfd`) as "sub/name";
 * a directory further down is a problem, reported by visit(). */
static int visit_subdir(struct dir_source *s, int fd, int sfd, const char *sub,
			const struct migc_source_visitor *v, migc_error *err)
{
	struct name_list names = {NULL, 0, 0};
	migc_buf rel = MIGC_BUF_INIT;
	size_t i;
	int rc;

	if (v->dir) {
		migc_buf display = MIGC_BUF_INIT;
		size_t dl = strlen(s->dir);

		if (migc_buf_printf(&display, "%s%s%s", s->dir,
				    dl && s->dir[dl - 1] == '/' ? "" : "/", sub))
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		rc = v->dir(v->ctx, sub, display.data, err);
		migc_buf_free(&display);
		if (rc)
			return rc;
	}
	rc = dir_names(sub, sfd, &names, err);
	for (i = 0; !rc && i < names.count; i++) {
		rel.len = 0;
		if (migc_buf_printf(&rel, "%s/%s", sub, names.names[i].name))
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
		else
			rc = visit(s, fd, rel.data,
				   names.names[i].type, v, err);
	}
	migc_buf_free(&rel);
	name_list_free(&names);
	return rc;
}

static int dir_walk(struct migc_source *src,
		    const struct migc_source_visitor *v, migc_error *err)
{
	struct dir_source *s = (struct dir_source *)src;
	struct name_list names = {NULL, 0, 0};
	size_t i;
	int fd, rc;

	rc = dir_open(s, &fd, err);
	if (rc)
		return rc;
	rc = dir_names(s->dir, fd, &names, err);
	for (i = 0; !rc && i < names.count; i++) {
		const char *name = names.names[i].name;
		unsigned char type = names.names[i].type;
		struct stat st;
		int sfd;

		/* readdir's type spares the fstatat of what is no directory */
		if ((type == DT_DIR || type == DT_UNKNOWN) &&
		    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
		    (sfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			rc = visit_subdir(s, fd, sfd, name, v, err);
			close(sfd);
			continue;
		}
		rc = visit(s, fd, name, type, v, err);
	}
	close(fd);
	name_list_free(&names);
	return rc;
}

static void dir_free(struct migc_source *src)
{
	struct dir_source *s = (struct dir_source *)src;

	if (!s)
		return;
	free(s->dir);
	free(s->realdir);
	free(s);
}

int migc_source_dir_open(struct migc_source **out, const char *dir,
			 migc_error *err)
{
	struct dir_source *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s || !(s->dir = migc_strdup(dir))) {
		free(s);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	s->base.version = MIGC_SOURCE_VERSION;
	s->base.kind = "directory";
	s->base.where = s->dir;
	s->base.commit = NULL;
	s->base.dirty = -1;
	s->base.walk = dir_walk;
	s->base.free = dir_free;
	*out = &s->base;
	return 0;
}
