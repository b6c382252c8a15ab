#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
/* signalfd: the daemon receives SIGTERM/SIGHUP as readable events in its main loop, the
 * pattern systemd's own services use, so no signal is lost between start-up and handler set-up. */
#include <sys/signalfd.h>
