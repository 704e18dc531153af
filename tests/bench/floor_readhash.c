/*
 * floor_readhash.c - the floor of `migc build`: read every file of a
 * directory and hash it with XXH3-128, in one loop, and nothing else.
 *
 *   floor_readhash DIR
 *
 * What no migration compiler can avoid: list the directory, open, read and
 * hash each file. Files whose name starts with '.' are skipped, as migc
 * does. Prints the files, the bytes and an XOR of the hashes (so the work
 * cannot be optimised away).
 */
#define _POSIX_C_SOURCE 200809L
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long long files = 0, bytes = 0, acc_lo = 0, acc_hi = 0;
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	struct dirent *d;
	DIR *dir;
	int dfd;

	if (argc != 2 || !buf) {
		fprintf(stderr, "usage: floor_readhash DIR\n");
		free(buf);
		return 2;
	}
	dir = opendir(argv[1]);
	if (!dir) {
		perror(argv[1]);
		free(buf);
		return 1;
	}
	dfd = dirfd(dir);
	while ((d = readdir(dir)) != NULL) {
		struct stat st;
		XXH128_hash_t h;
		size_t off = 0;
		ssize_t n;
		int fd;

		if (d->d_name[0] == '.')
			continue;
		fd = openat(dfd, d->d_name, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) != 0) {
			perror(d->d_name);
			return 1;
		}
		if ((size_t)st.st_size + 1 > cap) {
			cap = (size_t)st.st_size + 1;
			free(buf);
			buf = malloc(cap);
			if (!buf)
				return 1;
		}
		while ((n = read(fd, buf + off, cap - off)) > 0)
			off += (size_t)n;
		close(fd);
		h = XXH3_128bits(buf, off);
		acc_lo ^= h.low64;
		acc_hi ^= h.high64;
		files++;
		bytes += off;
	}
	closedir(dir);
	printf("%llu files, %llu bytes, %016llx%016llx\n", files, bytes, acc_hi, acc_lo);
	free(buf);
	return 0;
}
