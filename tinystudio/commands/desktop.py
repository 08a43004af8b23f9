"""`tinystudio desktop`: add (or remove) TinyStudio in the desktop's application menu."""

from __future__ import annotations

NAME = "desktop"
HELP = "Install a Linux desktop launcher (menu entry with icon); --remove takes it away."


def add_arguments(parser) -> None:
    parser.add_argument("--remove", action="store_true", help="remove the launcher and its icon")


def run(args) -> int:
    from tinystudio.desktop_entry import install_launcher, uninstall_launcher

    if args.remove:
        removed = uninstall_launcher()
        print("removed " + ", ".join(map(str, removed)) if removed else "no TinyStudio launcher installed")
        return 0
    entry, icon = install_launcher()
    print(f"installed {entry} (icon {icon}); TinyStudio is in the application menu")
    return 0
