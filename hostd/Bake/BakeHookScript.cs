namespace Jumpstart.Hostd.Bake;

/// <summary>
/// The mmdebstrap customize hook a bake runs inside the new system (mmdebstrap(1), "HOOKS": an existing executable is
/// run with the root directory as its argument, /proc, /sys and /dev mounted). Its text is fixed: the recipe reaches
/// it only as data under <c>$JUMPSTART_BAKE_STAGE</c> (a tree of files, and one NUL-separated argument vector per
/// command, run with chroot(8) without any shell parsing), so no recipe content ever becomes shell text.
/// </summary>
public static class BakeHookScript
{
    /// <summary>The file name in the stage directory.</summary>
    public const string FileName = "customize";

    /// <summary>
    /// GRUB modules built into the core image: enough to read the MBR partition's ext4 and load the kernel and
    /// initramfs with a serial console, so the image boots through a boot loader alone.
    /// </summary>
    public const string GrubModules = "biosdisk part_msdos ext2 normal linux configfile serial terminal echo test search";

    public const string Text = """
        #!/bin/bash
        # jumpstart image bake: mmdebstrap customize hook (written by jumpstart; see BakeHookScript.cs).
        set -euo pipefail
        root=$1
        stage=${JUMPSTART_BAKE_STAGE:?}
        uuid=${JUMPSTART_BAKE_ROOT_UUID:?}
        append=${JUMPSTART_BAKE_APPEND:?}
                step() { printf 'jumpstart-bake: %s\n' "$*" >&2; }

        step "recipe files"
        cp -a "$stage/files/." "$root/"

        step "file systems and the boot loader (GRUB, serial console)"
        printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$uuid" >"$root/etc/fstab"
        mkdir -p "$root/boot/grub/i386-pc"
        cp -a "$root/usr/lib/grub/i386-pc/." "$root/boot/grub/i386-pc/"
        {
          printf 'set timeout=0\n'
          printf 'serial --unit=0 --speed=115200\n'
          printf 'terminal_input serial console\n'
          printf 'terminal_output serial console\n'
          printf 'linux /vmlinuz %s\n' "$append"
          printf 'initrd /initrd.img\n'
          printf 'boot\n'
        } >"$root/boot/grub/grub.cfg"
        # shellcheck disable=SC2086 # the module list is a fixed word list
        chroot "$root" grub-mkimage --format=i386-pc --output=/boot/grub/i386-pc/core.img \
          --prefix='(hd0,msdos1)/boot/grub' $JUMPSTART_BAKE_GRUB_MODULES
        cp "$root/boot/grub/i386-pc/core.img" "$root/usr/lib/grub/i386-pc/boot.img" "$stage/out/"
        cp -L "$root/vmlinuz" "$stage/out/vmlinuz"
        cp -L "$root/initrd.img" "$stage/out/initrd.img"
        basename "$(readlink -f "$root/vmlinuz")" | sed 's/^vmlinuz-//' >"$stage/out/kernel-release"

        step "the guest agent under systemd"
        chroot "$root" systemctl enable jumpstart-guestd.service

        for cmd in "$stage"/commands/*; do
          [[ -f "$cmd" ]] || continue
          mapfile -d '' argv <"$cmd"
          step "command ${cmd##*/}: ${argv[0]}"
          chroot "$root" "${argv[@]}"
        done

        step "no identity: machine-id uninitialized, no SSH host keys, no random seed, no hostname"
        printf 'uninitialized\n' >"$root/etc/machine-id"
        if [[ -e "$root/var/lib/dbus/machine-id" && ! -L "$root/var/lib/dbus/machine-id" ]]; then
          rm -f "$root/var/lib/dbus/machine-id"
        fi
        rm -f "$root"/etc/ssh/ssh_host_* "$root/var/lib/systemd/random-seed" "$root/etc/hostname" "$root/etc/resolv.conf"
        rm -f "$root/var/lib/systemd/credential.secret"
        printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
        # Not /tmp: mmdebstrap keeps its apt.conf there (TMPDIR) until its own cleanup, whose `apt-get update`
        # with an empty source list would otherwise run against the HOST's apt configuration and empty the
        # host's package lists. ImageBaker empties /tmp after mmdebstrap exits.
        rm -rf "$root"/var/log/*.log "$root"/var/log/apt "$root/var/cache/ldconfig/aux-cache" \
          "$root"/var/tmp/* "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
        mkdir -p "$root/var/log/apt"
        """;
}
