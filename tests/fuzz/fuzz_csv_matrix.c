/* Fuzz target: a user's CSV as a training matrix (`train --label`). The input is the
 * file (through a memory file); the label is the column named "y", the time column "t"
 * when there is one. What loads is a consistent matrix; what fails says why. */
#include "fuzz.h"
#include "core/err.h"
#include "model/csv_matrix.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_matrix_opts o = { "y", NULL, NULL, 1 };
	struct train_matrix m;
	char path[64];
	int fd = memfd_create("fuzz.csv", 0);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (int with_time = 0; with_time < 2; with_time++) {
		o.time = with_time ? "t" : NULL;
		if (matrix_from_csv(&m, path, &o) == 0) {
			FUZZ_ASSERT(m.rows > 0 && m.cols > 0);
			for (size_t i = 0; i < m.rows; i++)
				FUZZ_ASSERT(m.labels[i] == 0 || m.labels[i] == 1);
			matrix_release(&m);
		} else {
			FUZZ_ASSERT(pp_errmsg()[0]);
		}
		pp_error_clear();
	}
	close(fd);
	return 0;
}
