/*
 * replay.c - runs a fuzz target without libFuzzer: every corpus file given (or every file
 * in a directory given), then deterministic mutations of each (bit flips, truncations,
 * splices). Used by `make test`; `make fuzz` builds the real coverage-guided fuzzers.
 *
 *   fuzz_x [-n MUTATIONS] PATH...
 */
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static void mutate_and_run(const uint8_t *data, size_t n, long mutations)
{
	uint8_t *buf = malloc(n * 2 + 64);

	for (long m = 0; m < mutations; m++) {
		size_t len = n;
		memcpy(buf, data, n);
		int edits = 1 + (int)(next() % 4);
		for (int e = 0; e < edits; e++) {
			size_t at = len ? next() % len : 0;
			switch (next() % 6) {
			case 0: /* flip a bit */
				if (len)
					buf[at] ^= (uint8_t)(1u << (next() % 8));
				break;
			case 1: /* truncate */
				len = at;
				break;
			case 2: /* interesting byte */
				if (len)
					buf[at] = (uint8_t)"\"\\{}[],:\n\r\x01" "\xff" "0-.e"[next() % 16];
				break;
			case 3: /* duplicate a chunk */
				if (len && len + 32 < n * 2 + 64) {
					size_t k = next() % 32;
					if (at + k > len)
						k = len - at;
					memmove(buf + at + k, buf + at, len - at);
					len += k;
				}
				break;
			case 4: /* delete a chunk */
				if (len) {
					size_t k = next() % 16;
					if (at + k > len)
						k = len - at;
					memmove(buf + at, buf + at + k, len - at - k);
					len -= k;
				}
				break;
			default: /* random byte */
				if (len)
					buf[at] = (uint8_t)next();
			}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
}

static int run_file(const char *path, long mutations)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f) {
		perror(path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	if (fread(data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(data);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	mutate_and_run(data, (size_t)n, mutations);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	long mutations = 2000;
	int i, files = 0, rc = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			mutations = strtol(argv[++i], NULL, 10);
			continue;
		}
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			char path[4096];
			while (d && (de = readdir(d))) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
				rc |= run_file(path, mutations);
				files++;
			}
			if (d)
				closedir(d);
		} else {
			rc |= run_file(argv[i], mutations);
			files++;
		}
	}
	printf("%s: %d inputs, %ld mutations each\n", argv[0], files, mutations);
	return rc || files == 0;
}
