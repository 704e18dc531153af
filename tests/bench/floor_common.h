/*
 * floor_common.h - what the database floors of `make bench` share: the
 * sorted migration files of a directory, read whole, with their version,
 * name and XXH3-128 checksum (what any migration tool must know to write a
 * history row). Header-only: each floor is one C file.
 */
#ifndef FLOOR_COMMON_H
#define FLOOR_COMMON_H

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct floor_file {
	char version[64];
	char name[256];
	char checksum[33];
	char *sql;
};

static int floor_skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Read DIR's files in name order into *out; returns the count or -1. */
static int floor_read_dir(const char *dir, struct floor_file **out)
{
	struct dirent **names;
	struct floor_file *files;
	int n, i;

	n = scandir(dir, &names, floor_skip_dot, alphasort);
	if (n < 0) {
		perror(dir);
		return -1;
	}
	files = calloc((size_t)n + 1, sizeof(*files));
	if (!files)
		return -1;
	for (i = 0; i < n; i++) {
		char path[4096], *us, *dot;
		XXH128_hash_t h;
		FILE *f;
		long len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
			perror(path);
			return -1;
		}
		rewind(f);
		files[i].sql = malloc((size_t)len + 1);
		if (!files[i].sql || fread(files[i].sql, 1, (size_t)len, f) != (size_t)len) {
			perror(path);
			return -1;
		}
		files[i].sql[len] = '\0';
		fclose(f);
		h = XXH3_128bits(files[i].sql, (size_t)len);
		snprintf(files[i].checksum, sizeof(files[i].checksum), "%016llx%016llx",
			 (unsigned long long)h.high64, (unsigned long long)h.low64);
		us = strchr(names[i]->d_name, '_');
		dot = strrchr(names[i]->d_name, '.');
		if (!us || !dot || dot < us) {
			fprintf(stderr, "%s: not <version>_<name>.sql\n", path);
			return -1;
		}
		snprintf(files[i].version, sizeof(files[i].version), "%.*s",
			 (int)(us - names[i]->d_name), names[i]->d_name);
		snprintf(files[i].name, sizeof(files[i].name), "%.*s",
			 (int)(dot - us - 1), us + 1);
		free(names[i]);
	}
	free(names);
	*out = files;
	return n;
}

#endif
