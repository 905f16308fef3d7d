/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main() of a fuzz target in builds without libFuzzer (gcc, the debug
 * and ASan builds): run the target once on every file of the corpus
 * directories given, so every committed input, crashes found earlier
 * included, is replayed by `meson test` on every build. Prints the summary
 * line tern.sh counts, in cmocka's words: one test per target.
 *
 *   main -> each directory -> each file (sorted) -> LLVMFuzzerTestOneInput
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest corpus file replayed; libFuzzer's default -max_len is far below. */
#define REPLAY_MAX_BYTES (1u << 20)

static int
replay_file(const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, REPLAY_MAX_BYTES, f);
	int bad = ferror(f) || !feof(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: %s: unreadable or larger than %u bytes\n", path,
		        REPLAY_MAX_BYTES);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

/* Replay every regular file of @dir; returns how many, or -1. */
static int
replay_dir(const char *dir, uint8_t *buf)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), done = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		if (names[i]->d_name[0] != '.' && done >= 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			done = replay_file(path, buf) == 0 ? done + 1 : -1;
		}
		free(names[i]);
	}
	free(names);
	return done;
}

int
main(int argc, char **argv)
{
	uint8_t *buf = malloc(REPLAY_MAX_BYTES);
	int total = 0;

	if (buf == NULL || argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
		printf("[  FAILED  ] 1 test(s)\n");
		return 1;
	}
	for (int i = 1; i < argc && total >= 0; i++) {
		int n = replay_dir(argv[i], buf);
		total = n < 0 ? -1 : total + n;
	}
	free(buf);
	if (total <= 0) {
		fprintf(stderr, "replay: no input replayed\n");
		printf("[  FAILED  ] 1 test(s)\n");
		return 1;
	}
	printf("replayed %d inputs\n[  PASSED  ] 1 test(s)\n", total);
	return 0;
}
