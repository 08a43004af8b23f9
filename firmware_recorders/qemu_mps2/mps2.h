/* MPS2 AN386 (Cortex-M4) peripherals this port uses, and its two small drivers.
 *
 * Addresses and interrupt numbers from ARM's AN386 application note (the AN385 memory
 * map), as QEMU's `-M mps2-an386` models them: CMSDK APB UART0 at 0x40004000 (RX IRQ 0,
 * TX IRQ 1), CMSDK APB timer 0 at 0x40000000, 25 MHz peripheral clock.
 *
 * Timing: samples are timed by the free-running 32-bit timer 0, not by counting SysTick
 * interrupts. Under QEMU an interrupt is taken late whenever the host is busy, and one
 * that is still pending when the next is due is merged with it: the count loses ticks.
 * Measured on a loaded 2-core host (make SYSTICK_TIMING_HZ=N): counting 1 kHz SysTick
 * ran 1.5% slow, 16 kHz ran 66% slow; timer 0 gave 119.001 Hz and 15,999.4 Hz. A real
 * board loses interrupts the same way whenever they are masked for longer than a
 * period: read a counter, do not count interrupts.
 */
#ifndef MPS2_H
#define MPS2_H

#include <stddef.h>
#include <stdint.h>

#define MPS2_PCLK_HZ 25000000u

#define REG(addr) (*(volatile uint32_t *)(addr))

/* System control block and NVIC */
#define SCB_CPACR REG(0xE000ED88u)
#define NVIC_ISER0 REG(0xE000E100u)

/* CMSDK APB UART */
#define UART0_BASE 0x40004000u
#define UART_DATA(b) REG((b) + 0x00u)
#define UART_STATE(b) REG((b) + 0x04u)
#define UART_CTRL(b) REG((b) + 0x08u)
#define UART_INT(b) REG((b) + 0x0Cu) /* read: INTSTATUS, write 1s: INTCLEAR */
#define UART_BAUDDIV(b) REG((b) + 0x10u)
#define UART_STATE_TXFULL 1u
#define UART_STATE_RXFULL 2u
#define UART_CTRL_TXEN 1u
#define UART_CTRL_RXEN 2u
#define UART_CTRL_RXINTEN 8u
#define UART_INT_RX 2u
#define UART0_RX_IRQn 0u

/* CMSDK APB timer */
#define TIMER0_BASE 0x40000000u
#define TIMER_CTRL(b) REG((b) + 0x00u)
#define TIMER_VALUE(b) REG((b) + 0x04u)
#define TIMER_RELOAD(b) REG((b) + 0x08u)
#define TIMER_INT(b) REG((b) + 0x0Cu) /* read: INTSTATUS, write 1: INTCLEAR */
#define TIMER_CTRL_EN 1u
#define TIMER_CTRL_IRQEN 8u
#define TIMER1_BASE 0x40001000u
#define TIMER1_IRQn 9u

/* UART0: 8 KB receive ring filled by the RX interrupt; blocking transmit. */
void uart0_init(void);
void uart0_write(const uint8_t *data, size_t n);
/* Copies up to cap received bytes into out; returns how many. */
size_t uart0_read(uint8_t *out, size_t cap);
/* Bytes dropped because the ring was full (the main loop fell that far behind). */
uint32_t uart0_rx_dropped(void);
void uart0_rx_irq(void);

/* Timer 0 as a free-running counter, widened to 64 bits (call at least every 171 s). */
void timer0_init(void);
uint64_t timer0_ticks(void);
/* Timer 1 interrupts `hz` times a second: it only wakes the loop from WFI (an idle board
 * that spins costs QEMU a whole host core); timing comes from timer 0, never from it. */
void timer1_wake_init(uint32_t hz);
void systick_irq(void);
#ifndef SYSTICK_TIMING_HZ
#define SYSTICK_TIMING_HZ 0
#endif
void timer1_irq(void);

#endif
