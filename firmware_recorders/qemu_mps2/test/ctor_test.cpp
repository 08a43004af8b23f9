/* Does startup.c run C++ constructors as a port's C++ code would need? (make ctor-test;
 * tests/firmware/test_mcu_startup.py runs it under QEMU.)
 *
 * Three globals with constructors in a known order (same file: declaration order), one
 * with init_priority (must run first), and one with a destructor, whose registration
 * references __dso_handle. main() prints what it saw on UART0 and ends QEMU through
 * semihosting (SYS_EXIT): "ctors: ok" or what is wrong.
 */
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "mps2.h"
}

namespace {

/* volatile: the compiler may not fold the constructors into static data. */
volatile char g_order[8];
volatile int g_n;

struct Mark {
    explicit Mark(char c) { if (g_n < 7) g_order[g_n++] = c; }
};

struct WithDestructor {
    int value;
    WithDestructor() : value(g_n == 3 ? 42 : -1) { if (g_n < 7) g_order[g_n++] = 'd'; }
    ~WithDestructor() { value = 0; }
};

}  // namespace

Mark g_b('b');
Mark g_c('c');
__attribute__((init_priority(101))) Mark g_a('a');
WithDestructor g_d;

static void say(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    uart0_write(reinterpret_cast<const uint8_t *>(s), n);
}

static void semihosting_exit(bool ok)
{
    /* SYS_EXIT with ADP_Stopped_ApplicationExit (QEMU exits 0) or RunTimeErrorUnknown (1). */
    register uint32_t op __asm("r0") = 0x18;
    register uint32_t arg __asm("r1") = ok ? 0x20026u : 0x20023u;
    __asm volatile("bkpt #0xab" : : "r"(op), "r"(arg) : "memory");
}

int main(void)
{
    uart0_init();
    g_order[g_n] = 0;
    bool ok = g_n == 4 && g_order[0] == 'a' && g_order[1] == 'b' && g_order[2] == 'c' &&
              g_order[3] == 'd' && g_d.value == 42;
    say(ok ? "ctors: ok\n" : "ctors: WRONG, ran: ");
    if (!ok) {
        char ran[8];
        for (int i = 0; i < 8; i++) ran[i] = g_order[i];
        ran[7] = 0;
        say(ran);
        say("\n");
    }
    /* The UART's FIFO drains before QEMU stops: wait for transmit idle. */
    for (volatile int i = 0; i < 100000; i++) {
    }
    semihosting_exit(ok);
    for (;;) {
    }
}
