/* th_fault.c: see th_fault.h. A pass-through VFS in the shape of SQLite's test_vfstrace.c:
 * each file is the shim's header followed by the real VFS's file object. */
#include "tests/support/th_fault.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

typedef struct shim_file {
	sqlite3_file base;   /* pMethods: shim_io */
	sqlite3_file *real;  /* right after this struct */
	int wal;
	char path[256];
} shim_file_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static sqlite3_vfs *root;
static sqlite3_vfs shim;
static struct {
	char match[256];
	int armed, skip, n, hits;
} fault;

/* 1 when this write must fail (and counts it). */
static int should_fail(const shim_file_t *f)
{
	int fail = 0;
	if (!f->wal)
		return 0;
	pthread_mutex_lock(&mu);
	if (fault.armed && strstr(f->path, fault.match)) {
		if (fault.skip > 0) {
			fault.skip--;
		} else if (fault.n > 0) {
			fault.n--;
			fault.hits++;
			fail = 1;
		}
	}
	pthread_mutex_unlock(&mu);
	return fail;
}

#define REAL(f) (((shim_file_t *)(f))->real)

static int s_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods->xClose(REAL(f));
	f->pMethods = NULL;
	return rc;
}
static int s_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);
}
static int s_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	if (should_fail((shim_file_t *)f))
		return SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}
static int s_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int s_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int s_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int s_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}
static int s_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}
static int s_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int s_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int s_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int s_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int s_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int s_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void s_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int s_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int s_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}
static int s_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* One table per iVersion of the real file's methods, so SQLite sees the same capabilities
 * (no shared memory or mmap where the real file has none). */
static sqlite3_io_methods io[4];

static int s_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
	shim_file_t *f = (shim_file_t *)file;
	(void)vfs;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)&f[1];
	f->wal = (flags & SQLITE_OPEN_WAL) != 0;
	snprintf(f->path, sizeof f->path, "%s", name ? name : "");
	int rc = root->xOpen(root, name, f->real, flags, out);
	if (f->real->pMethods) {
		int v = f->real->pMethods->iVersion;
		f->base.pMethods = &io[v < 1 ? 1 : v > 3 ? 3 : v];
	}
	return rc;
}

static void init(void)
{
	root = sqlite3_vfs_find(NULL);
	for (int v = 1; v <= 3; v++) {
		io[v] = (sqlite3_io_methods){
			.iVersion = v, .xClose = s_close, .xRead = s_read, .xWrite = s_write,
			.xTruncate = s_truncate, .xSync = s_sync, .xFileSize = s_size,
			.xLock = s_lock, .xUnlock = s_unlock, .xCheckReservedLock = s_check_lock,
			.xFileControl = s_fcntl, .xSectorSize = s_sector,
			.xDeviceCharacteristics = s_devchar};
		if (v >= 2) {
			io[v].xShmMap = s_shm_map;
			io[v].xShmLock = s_shm_lock;
			io[v].xShmBarrier = s_shm_barrier;
			io[v].xShmUnmap = s_shm_unmap;
		}
		if (v >= 3) {
			io[v].xFetch = s_fetch;
			io[v].xUnfetch = s_unfetch;
		}
	}
	/* Everything but open is the real VFS's own (they take the vfs pointer only to reach
	 * pAppData, which is copied too). */
	shim = *root;
	shim.zName = "seam-test-fault";
	shim.szOsFile = (int)sizeof(shim_file_t) + root->szOsFile;
	shim.xOpen = s_open;
	shim.pNext = NULL;
	sqlite3_vfs_register(&shim, 1);
}

void th_fault_install(void)
{
	pthread_once(&once, init);
}

void th_fault_wal_writes(const char *match, int skip, int n)
{
	pthread_mutex_lock(&mu);
	snprintf(fault.match, sizeof fault.match, "%s", match ? match : "");
	fault.skip = skip;
	fault.n = n;
	fault.hits = 0;
	fault.armed = 1;
	pthread_mutex_unlock(&mu);
}

void th_fault_off(void)
{
	pthread_mutex_lock(&mu);
	fault.armed = 0;
	fault.skip = fault.n = 0;
	pthread_mutex_unlock(&mu);
}

int th_fault_hits(void)
{
	pthread_mutex_lock(&mu);
	int h = fault.hits;
	pthread_mutex_unlock(&mu);
	return h;
}
