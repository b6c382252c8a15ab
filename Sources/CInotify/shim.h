#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// rename(2) that fails with EEXIST instead of replacing the target (renameat2 RENAME_NOREPLACE),
/// so a spool move can never silently overwrite an earlier file of the same name.
static inline int spool_rename_noreplace(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1u /* RENAME_NOREPLACE */);
}
