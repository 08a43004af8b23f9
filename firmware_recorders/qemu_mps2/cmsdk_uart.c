/* CMSDK APB UART0 driver: interrupt-driven receive into a ring buffer, blocking transmit.
 *
 * Why an interrupt: the CMSDK UART holds ONE received byte. A main loop that polls it
 * between sample writes reads at most one byte per pass, so while it streams 16 kHz of
 * audio a STOP from the host crawls in byte by byte (seen: the board missed STOP under
 * load). The RX interrupt empties the UART the moment a byte lands, whatever the loop is
 * doing; the loop drains the ring. Transmit blocks on TXFULL, which is the back-pressure
 * of a host that reads slowly.
 */
#include "mps2.h"

#define RX_RING 8192u /* power of two: a whole upload window of model chunks */

static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail, rx_dropped;

void uart0_init(void)
{
    UART_BAUDDIV(UART0_BASE) = 16u; /* any value >= 16 enables the UART; QEMU ignores baud */
    UART_CTRL(UART0_BASE) = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
    NVIC_ISER0 = 1u << UART0_RX_IRQn;
}

void uart0_rx_irq(void)
{
    UART_INT(UART0_BASE) = UART_INT_RX; /* clear first: a byte after this raises it again */
    while (UART_STATE(UART0_BASE) & UART_STATE_RXFULL) {
        uint8_t b = (uint8_t)UART_DATA(UART0_BASE);
        uint32_t next = (rx_head + 1u) & (RX_RING - 1u);
        if (next == rx_tail) {
            rx_dropped++; /* the frame CRC catches it; the host resends */
            continue;
        }
        rx_ring[rx_head] = b;
        rx_head = next;
    }
}

size_t uart0_read(uint8_t *out, size_t cap)
{
    size_t n = 0;
    uint32_t head = rx_head; /* single producer (the IRQ), single consumer (the loop) */
    while (rx_tail != head && n < cap) {
        out[n++] = rx_ring[rx_tail];
        rx_tail = (rx_tail + 1u) & (RX_RING - 1u);
    }
    return n;
}

uint32_t uart0_rx_dropped(void) { return rx_dropped; }

void uart0_write(const uint8_t *data, size_t n)
{
    while (n--) {
        while (UART_STATE(UART0_BASE) & UART_STATE_TXFULL) {
        }
        UART_DATA(UART0_BASE) = *data++;
    }
}
