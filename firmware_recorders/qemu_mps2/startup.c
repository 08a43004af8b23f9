/* Startup code and vector table for the Cortex-M4 of the MPS2 AN386 board (QEMU).
 *
 * Why: there is no vendor SDK here -- this is the whole of what a CMSIS startup file
 * does, small enough to read: the vector table at address 0 (initial stack pointer,
 * reset handler, faults, the interrupts this port uses), copy .data from flash, zero
 * .bss, switch the FPU on (the build uses -mfloat-abi=hard), run the C++ constructors,
 * call main.
 *
 * Constructors: the TinyStudio glue needs none (it builds its objects in ts_tflm_begin),
 * but C++ code a port links may have globals with constructors. The linker script keeps
 * .preinit_array/.init_array and this runs them in order, as crt0 would (-nostartfiles
 * leaves that to us); __dso_handle, which a global with a destructor references when it
 * registers that destructor, is defined here. Destructors never run: main never returns.
 * tests/firmware/test_mcu_startup.py runs a C++ image (test/ctor_test.cpp) that checks
 * this under QEMU.
 */
#include <stdint.h>

#include "mps2.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);

typedef void (*init_fn)(void);
extern init_fn __preinit_array_start[], __preinit_array_end[];
extern init_fn __init_array_start[], __init_array_end[];

/* The handle __cxa_atexit/__aeabi_atexit receive for this image (one "shared object"). */
void *__dso_handle = &__dso_handle;

/* Destructors of globals are registered at construction; main never returns, so none runs. */
int __aeabi_atexit(void *object, void (*destroy)(void *), void *dso);
int __aeabi_atexit(void *object, void (*destroy)(void *), void *dso)
{
    (void)object;
    (void)destroy;
    (void)dso;
    return 0;
}

/* No heap: newlib's printf family references malloc (it never calls it for the fixed
 * buffers TFLM's vsnprintf uses), and libnosys' sbrk needs an `end` symbol this linker
 * script does not give. A malloc in this image returns NULL -- unless heap.c (linked with
 * the keyword front end, KWS=1) gives a bounded heap: this one is weak. */
void *_sbrk(int incr);
__attribute__((weak)) void *_sbrk(int incr)
{
    (void)incr;
    return (void *)-1;
}

static void run_constructors(void)
{
    init_fn *f;
    for (f = __preinit_array_start; f < __preinit_array_end; f++) (*f)();
    for (f = __init_array_start; f < __init_array_end; f++) (*f)();
}

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
    run_constructors();
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
