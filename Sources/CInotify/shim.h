#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/// rename(2) that fails with EEXIST instead of replacing the target (renameat2 RENAME_NOREPLACE),
/// so a spool move can never silently overwrite an earlier file of the same name. NFS and the
/// CephFS kernel client refuse the flag (EINVAL); there the target is checked, then renamed:
/// still one atomic rename of the source, and the spool's claim lock keeps two claimers from
/// choosing the same target.
static inline int spool_rename_noreplace(const char *from, const char *to) {
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1u /* RENAME_NOREPLACE */) == 0) return 0;
    if (errno != EINVAL) return -1;
    struct stat info;
    if (lstat(to, &info) == 0) { errno = EEXIST; return -1; }
    return rename(from, to);
}
