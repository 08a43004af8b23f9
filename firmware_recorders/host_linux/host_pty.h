/* The host port's "UART": the master side of a pseudo-terminal (see host_pty.c). */
#ifndef HOST_PTY_H
#define HOST_PTY_H

#include <stddef.h>
#include <stdint.h>

/* Opens a raw pty; returns the slave's path (/dev/pts/N) or NULL (errno says why). */
const char *pty_open(void);
/* 1 while a host holds the slave open. */
int pty_connected(void);
/* Writes all n bytes while a host is connected; dropped when none is (as a UART's bytes
 * are lost with no cable, and QEMU's pty drops them). */
void pty_write(const uint8_t *data, size_t n);
/* Received bytes (non-blocking): 0 when none. */
size_t pty_read(uint8_t *buf, size_t cap);
/* Sleeps until a byte arrives or `ms` milliseconds pass (the port's WFI). */
void pty_wait(int ms);

#endif
