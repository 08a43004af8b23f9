/* A pseudo-terminal as the host port's serial link.
 *
 * Why a pty: the studio talks to every board through a serial port path; the emulated board
 * gives it QEMU's pty, and this port gives it its own, opened the way QEMU opens one (raw
 * mode set on the slave, which is then closed again). While no host holds the slave open,
 * poll() reports POLLHUP on the master: output is dropped then, exactly as QEMU drops UART
 * output until the pty is opened, and as a USB CDC port loses what a board writes before
 * the host opens it -- so the host finds this board by GET_INFO, as it finds the others.
 */
#define _XOPEN_SOURCE 600
#include "host_pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int master = -1;

const char *pty_open(void)
{
    struct termios t;
    const char *name;
    int slave;
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return NULL;
    name = ptsname(master);
    if (name == NULL) return NULL;
    slave = open(name, O_RDWR | O_NOCTTY);
    if (slave < 0 || tcgetattr(slave, &t) != 0) return NULL;
    /* cfmakeraw, spelled out (it is not POSIX): bytes pass untouched both ways. */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(slave, TCSANOW, &t) != 0) return NULL;
    close(slave); /* the master now sees POLLHUP until a host opens the slave */
    if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) != 0) return NULL;
    return name;
}

int pty_connected(void)
{
    struct pollfd p = {master, 0, 0};
    return poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

void pty_write(const uint8_t *data, size_t n)
{
    while (n > 0) {
        ssize_t w = write(master, data, n);
        if (w > 0) {
            data += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            /* The host reads slowly: wait for room (back-pressure, as a UART's TXFULL),
             * but never for a host that went away. */
            struct pollfd p = {master, POLLOUT, 0};
            if (poll(&p, 1, 1000) > 0 && !(p.revents & POLLHUP)) continue;
        }
        return; /* no host: the bytes are lost */
    }
}

size_t pty_read(uint8_t *buf, size_t cap)
{
    ssize_t n = read(master, buf, cap);
    return n > 0 ? (size_t)n : 0; /* EAGAIN: nothing; EIO: no host */
}

void pty_wait(int ms)
{
    struct pollfd p = {master, POLLIN, 0};
    if (pty_connected()) {
        (void)poll(&p, 1, ms);
    } else {
        struct timespec ts = {0, (long)ms * 1000000L}; /* POLLHUP would return at once */
        (void)nanosleep(&ts, NULL);
    }
}
