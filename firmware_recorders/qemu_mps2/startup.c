/* Startup code and vector table for the Cortex-M4 of the MPS2 AN386 board (QEMU).
 *
 * Why: there is no vendor SDK here -- this is the whole of what a CMSIS startup file
 * does, small enough to read: the vector table at address 0 (initial stack pointer,
 * reset handler, faults, the interrupts this port uses), copy .data from flash, zero
 * .bss, switch the FPU on (the build uses -mfloat-abi=hard), call main.
 */
#include <stdint.h>

#include "mps2.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);

void reset_handler(void);
void default_handler(void);

/* A fault or an unexpected interrupt: stop here (a debugger attached to QEMU's gdb stub
 * sees where). */
void default_handler(void)
{
    for (;;) __asm volatile("bkpt #0");
}

void reset_handler(void)
{
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata) *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss; dst++) *dst = 0;
    SCB_CPACR |= 0xFu << 20; /* CP10 + CP11 full access: the FPU */
    __asm volatile("dsb\n isb");
    main();
    for (;;) __asm volatile("wfi");
}

typedef void (*vector)(void);

/* 16 system exceptions + the MPS2 AN386 interrupts up to timer 1 (IRQ 9). */
__attribute__((section(".vectors"), used)) static const vector vectors[16 + 10] = {
    (vector)(uintptr_t)&_estack, /* initial MSP */
    reset_handler,
    default_handler, /* NMI */
    default_handler, /* HardFault */
    default_handler, /* MemManage */
    default_handler, /* BusFault */
    default_handler, /* UsageFault */
    0, 0, 0, 0,
    default_handler, /* SVCall */
    default_handler, /* DebugMonitor */
    0,
    default_handler, /* PendSV */
    systick_irq,     /* SysTick: only for the SYSTICK_TIMING_HZ measurement (see mps2.h) */
    uart0_rx_irq,    /* IRQ 0: UART0 RX */
    default_handler, /* IRQ 1: UART0 TX (not enabled) */
    default_handler, default_handler, default_handler, default_handler, /* IRQ 2-5: UART1/2 */
    default_handler, default_handler, /* IRQ 6-7: GPIO */
    default_handler, /* IRQ 8: timer 0 (free-running, no interrupt) */
    timer1_irq,      /* IRQ 9: timer 1, the loop's wake-up tick */
};
