"""The HTTPS certificate of the lead's laptop (issue 17): self-signed, made on first start for the
laptop's addresses, kept beside the database (`https-cert.pem`, `https-key.pem`).

The app is served on the station's own Wi-Fi — the network of the party being assessed — so PINs,
scores and the caller's unmasked client list must not cross it in clear text. A self-signed
certificate makes the browser warn once ("not private"); the user checks that the SHA-256
fingerprint the browser shows equals the one `python -m core serve` prints and the lead's home
page shows, then proceeds. No certificate authority, nothing from the internet.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import os
import socket
import stat
import tempfile
from pathlib import Path

CERT_NAME, KEY_NAME = "https-cert.pem", "https-key.pem"
VALID_DAYS = 3 * 365


def paths(db_path: str | os.PathLike) -> tuple[Path, Path]:
    """(certificate, key) beside the database file."""
    folder = Path(db_path).resolve().parent
    return folder / CERT_NAME, folder / KEY_NAME


def local_addresses() -> list[str]:
    """The laptop's IPv4/IPv6 addresses (loopback first), found without sending anything: the
    host name's addresses and the source address the system would use for a LAN route (a UDP
    'connect' sends no packet)."""
    found = ["127.0.0.1", "::1"]
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.append(info[4][0])
    except OSError:
        pass
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                found.append(s.getsockname()[0])
        except OSError:
            pass
    out = []
    for a in found:
        a = a.split("%")[0]
        try:
            ip = ipaddress.ip_address(a)
        except ValueError:
            continue
        if ip.is_unspecified or ip.is_link_local and ip.version == 6:
            continue
        if str(ip) not in out:
            out.append(str(ip))
    return out


def _load(cert_path: Path):
    from cryptography import x509

    return x509.load_pem_x509_certificate(cert_path.read_bytes())


def covered(cert_path: Path, addresses) -> bool:
    """The certificate names every one of `addresses` and is valid for at least 30 more days."""
    from cryptography import x509

    try:
        cert = _load(cert_path)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    remaining = cert.not_valid_after_utc - _dt.datetime.now(_dt.timezone.utc)
    return set(addresses) <= ips and remaining > _dt.timedelta(days=30)


def make_certificate(cert_path: Path, key_path: Path, addresses, hostname: str | None = None,
                     key=None) -> None:
    """A new self-signed EC (P-256) certificate for `addresses` (and localhost / the host name),
    signed with `key` (the laptop's key kept from before) or a new key; the key file is readable by
    its owner only. Both written through temporary files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    hostname = hostname or socket.gethostname() or "localhost"
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"社工站现场评估台 {hostname}"[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "社工站现场评估台（自签名）")])
    dns = list(dict.fromkeys(["localhost", hostname]))
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    now = _dt.datetime.now(_dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(hours=1)).not_valid_after(now + _dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    tmp_key = _private_temp(key_path)
    try:
        with open(tmp_key, "wb") as f:
            f.write(key_bytes)
        tmp_cert = cert_path.with_name(cert_path.name + ".tmp")
        tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        os.replace(tmp_key, key_path)
    except BaseException:
        tmp_key.unlink(missing_ok=True)
        raise
    os.replace(tmp_cert, cert_path)


def _private_temp(key_path: Path) -> Path:
    """A new temporary file beside the key, created by us alone (O_CREAT|O_EXCL under a random name,
    never a file or link that was there already) and readable by its owner only (0600)."""
    fd, name = tempfile.mkstemp(prefix=key_path.name + ".", suffix=".tmp", dir=key_path.parent)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return Path(name)


def key_exposed(key_path) -> bool:
    """Can users other than the owner read (or write) the private key file?"""
    try:
        mode = os.stat(key_path).st_mode
    except FileNotFoundError:
        return False
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def _kept_key(key_path: Path):
    """The laptop's private key from before, when it is still private and readable; else None."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if key_exposed(key_path):
        return None
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    return key if isinstance(key, ec.EllipticCurvePrivateKey) else None


def ensure_certificate(db_path, addresses=None) -> tuple[Path, Path, bool]:
    """(certificate, key, made): the certificate beside the database, made when missing, when it
    does not name one of the laptop's current addresses (another Wi-Fi) or is about to expire, and
    when other users could read its key (a key others could read is no longer private: a new pair).
    A certificate made again for new addresses keeps the laptop's key, so the members' laptops, which
    pin the key (key_pin), still meet it."""
    cert_path, key_path = paths(db_path)
    addresses = list(addresses or local_addresses())
    if cert_path.exists() and key_path.exists() and covered(cert_path, addresses) and not key_exposed(key_path):
        return cert_path, key_path, False
    make_certificate(cert_path, key_path, addresses, key=_kept_key(key_path) if key_path.exists() else None)
    return cert_path, key_path, True


def fingerprint(cert_path) -> str:
    """'SHA-256 3F:A2:…' as browsers show it (Chrome: 证书查看器 → SHA-256 指纹)."""
    from cryptography.hazmat.primitives import hashes

    return _colons(_load(Path(cert_path)).fingerprint(hashes.SHA256()))


def _colons(digest: bytes) -> str:
    return ":".join(f"{b:02X}" for b in digest)


def key_pin(cert_path) -> str:
    """SHA-256 of the certificate's public key (its DER SubjectPublicKeyInfo), '3F:A2:…': the same for
    every certificate the laptop makes with its key (a new network), unlike `fingerprint`."""
    return spki_pin(Path(cert_path).read_bytes())


def spki_pin(cert: bytes) -> str:
    """key_pin of a certificate given as PEM or DER bytes (a peer's, as the TLS handshake gave it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    c = x509.load_pem_x509_certificate(cert) if cert.lstrip().startswith(b"-----") else x509.load_der_x509_certificate(cert)
    spki = c.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _colons(hashlib.sha256(spki).digest())


def certificate_addresses(cert_path) -> list[str]:
    from cryptography import x509

    names = _load(Path(cert_path)).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
