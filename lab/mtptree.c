/*
 * mtptree: list and fetch every file of the first MTP device with libmtp,
 * in one session, the way a libmtp-based file manager would: one
 * LIBMTP_Get_Files_And_Folders walk per folder (recursive, from the
 * storage root) and one LIBMTP_Get_File_To_File per file. The USB lab runs
 * it beside `sk-rescue export` to compare speeds (docs/BENCHMARKS.md).
 *
 *   mtptree OUTDIR     prints "files N bytes B" and exits 0 on success
 */
#include <libmtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static long files, bytes, failed;

static void walk(LIBMTP_mtpdevice_t *dev, uint32_t storage, uint32_t parent, const char *out)
{
	LIBMTP_file_t *f = LIBMTP_Get_Files_And_Folders(dev, storage, parent);
	while (f) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", out, f->filename);
		if (f->filetype == LIBMTP_FILETYPE_FOLDER) {
			mkdir(path, 0755);
			walk(dev, storage, f->item_id, path);
		} else if (LIBMTP_Get_File_To_File(dev, f->item_id, path, NULL, NULL) == 0) {
			files++;
			bytes += (long)f->filesize;
		} else {
			failed++;
			fprintf(stderr, "mtptree: %s: fetch failed\n", f->filename);
		}
		LIBMTP_file_t *next = f->next;
		LIBMTP_destroy_file_t(f);
		f = next;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mtptree OUTDIR\n");
		return 2;
	}
	LIBMTP_Init();
	/* Uncached: LIBMTP_Get_First_Device would read the whole object tree
	 * up front and refuse LIBMTP_Get_Files_And_Folders. */
	LIBMTP_raw_device_t *raw;
	int nraw;
	if (LIBMTP_Detect_Raw_Devices(&raw, &nraw) != LIBMTP_ERROR_NONE || nraw < 1) {
		fprintf(stderr, "mtptree: no MTP device\n");
		return 1;
	}
	LIBMTP_mtpdevice_t *dev = LIBMTP_Open_Raw_Device_Uncached(&raw[0]);
	if (!dev) {
		fprintf(stderr, "mtptree: no MTP device\n");
		return 1;
	}
	if (LIBMTP_Get_Storage(dev, LIBMTP_STORAGE_SORTBY_NOTSORTED) != 0 || !dev->storage) {
		fprintf(stderr, "mtptree: no storage\n");
		return 1;
	}
	mkdir(argv[1], 0755);
	for (LIBMTP_devicestorage_t *s = dev->storage; s; s = s->next)
		walk(dev, s->id, LIBMTP_FILES_AND_FOLDERS_ROOT, argv[1]);
	LIBMTP_Release_Device(dev);
	printf("files %ld bytes %ld failed %ld\n", files, bytes, failed);
	return failed ? 1 : 0;
}
