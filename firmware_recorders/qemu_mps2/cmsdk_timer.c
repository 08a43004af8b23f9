/* CMSDK APB timer 0 as a free-running 25 MHz counter (see mps2.h on why not SysTick),
 * timer 1 as the loop's wake-up tick. */
#include "mps2.h"

static uint32_t last;
static uint64_t total;

void timer0_init(void)
{
    TIMER_CTRL(TIMER0_BASE) = 0;
    TIMER_RELOAD(TIMER0_BASE) = 0xFFFFFFFFu;
    TIMER_VALUE(TIMER0_BASE) = 0xFFFFFFFFu;
    TIMER_CTRL(TIMER0_BASE) = TIMER_CTRL_EN; /* counts down, no interrupt */
    last = 0xFFFFFFFFu;
    total = 0;
}

#if SYSTICK_TIMING_HZ
/* Measurement aid only (make SYSTICK_TIMING_HZ=N): time samples by counting SysTick
 * interrupts instead, to show why this port does not (docs/emulated-board.md). */
static volatile uint64_t systicks;
void systick_irq(void) { systicks++; }
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)

uint64_t timer0_ticks(void)
{
    if (!SYST_CSR) {
        SYST_RVR = MPS2_PCLK_HZ / SYSTICK_TIMING_HZ - 1u;
        SYST_CVR = 0;
        SYST_CSR = 7u; /* enable, interrupt, processor clock (25 MHz) */
    }
    return systicks * (MPS2_PCLK_HZ / SYSTICK_TIMING_HZ);
}
#else
void systick_irq(void) {}

uint64_t timer0_ticks(void)
{
    uint32_t v = TIMER_VALUE(TIMER0_BASE);
    total += (uint32_t)(last - v); /* down-counter: elapsed = previous - now, mod 2^32 */
    last = v;
    return total;
}
#endif

void timer1_wake_init(uint32_t hz)
{
    TIMER_CTRL(TIMER1_BASE) = 0;
    TIMER_RELOAD(TIMER1_BASE) = MPS2_PCLK_HZ / hz - 1u;
    TIMER_VALUE(TIMER1_BASE) = MPS2_PCLK_HZ / hz - 1u;
    TIMER_CTRL(TIMER1_BASE) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    NVIC_ISER0 = 1u << TIMER1_IRQn;
}

void timer1_irq(void)
{
    TIMER_INT(TIMER1_BASE) = 1u; /* nothing else: waking the core from WFI is the point */
}
