"""The laptop's HTTPS certificate (core/tls.py, `python -m core serve`): made on first start beside
the database for the laptop's addresses, kept across restarts, remade for a new network; the
fingerprint is the one a browser shows (SHA-256 of the certificate)."""
from __future__ import annotations

import hashlib
import ipaddress
import ssl
import subprocess
import sys

from core import tls
from tests.conftest import ROOT


def _browser_fingerprint(cert_path) -> str:
    der = ssl.PEM_cert_to_DER_cert(cert_path.read_text())
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def test_the_certificate_is_made_beside_the_database_for_the_laptops_addresses(tmp_path):
    cert, key, made = tls.ensure_certificate(tmp_path / "data" / "assessment.db", ["127.0.0.1", "192.168.5.20"])
    assert made and cert == tmp_path / "data" / "https-cert.pem" and key == tmp_path / "data" / "https-key.pem"
    assert set(tls.certificate_addresses(cert)) == {"127.0.0.1", "192.168.5.20"}
    assert key.stat().st_mode & 0o077 == 0, "the private key is readable by its owner only"
    assert tls.fingerprint(cert) == _browser_fingerprint(cert)
    # an ssl server accepts the pair (what streamlit's sslCertFile/sslKeyFile load)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)


def test_a_restart_keeps_the_certificate_and_a_new_network_remakes_it(tmp_path):
    db = tmp_path / "assessment.db"
    cert, _, _ = tls.ensure_certificate(db, ["127.0.0.1", "192.168.5.20"])
    first = tls.fingerprint(cert)
    assert tls.ensure_certificate(db, ["127.0.0.1", "192.168.5.20"])[2] is False
    assert tls.fingerprint(cert) == first
    # the laptop joined the station's Wi-Fi with another address
    assert tls.ensure_certificate(db, ["127.0.0.1", "10.1.2.3"])[2] is True
    assert tls.fingerprint(cert) != first and "10.1.2.3" in tls.certificate_addresses(cert)
    # a damaged certificate file is remade, not a crash
    cert.write_text("not a certificate")
    assert tls.ensure_certificate(db, ["127.0.0.1"])[2] is True


def test_a_new_network_remakes_the_certificate_with_the_same_key_so_its_key_pin_holds(tmp_path):
    """The members' laptops pin the lead's key (tls.key_pin): a certificate made again for another
    Wi-Fi keeps it, an exposed key does not; the pin is SHA-256 of the certificate's public key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    db = tmp_path / "assessment.db"
    cert, key, _ = tls.ensure_certificate(db, ["127.0.0.1", "192.168.5.20"])
    pin, fp = tls.key_pin(cert), tls.fingerprint(cert)
    spki = x509.load_pem_x509_certificate(cert.read_bytes()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert pin == ":".join(f"{b:02X}" for b in hashlib.sha256(spki).digest())
    assert tls.spki_pin(ssl.PEM_cert_to_DER_cert(cert.read_text())) == pin
    assert tls.ensure_certificate(db, ["127.0.0.1", "10.1.2.3"])[2] is True          # another network
    assert tls.fingerprint(cert) != fp and tls.key_pin(cert) == pin
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)                                                    # the pair still matches
    key.write_text("damaged")                                                         # an unreadable key: a new pair
    assert tls.ensure_certificate(db, ["127.0.0.1", "172.16.0.9"])[2] is True
    assert tls.key_pin(cert) != pin and key.stat().st_mode & 0o077 == 0
    pin = tls.key_pin(cert)
    key.chmod(0o644)                                                                  # exposed: a new pair
    assert tls.ensure_certificate(db, ["127.0.0.1", "172.16.0.9"])[2] is True and tls.key_pin(cert) != pin


def test_local_addresses_are_ip_addresses_with_loopback_first():
    found = tls.local_addresses()
    assert found[:2] == ["127.0.0.1", "::1"]
    for a in found:
        ipaddress.ip_address(a)


def test_serve_refuses_a_folder_as_database(tmp_path):
    r = subprocess.run([sys.executable, "-m", "core", "serve", "--db", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "文件夹" in r.stderr and "Traceback" not in r.stderr


def test_a_key_readable_by_everyone_is_not_used_a_new_private_pair_is_made(tmp_path):
    """Issue 26: an existing https-key.pem readable by other users was used without a word."""
    db = tmp_path / "assessment.db"
    cert, key, _ = tls.ensure_certificate(db, ["127.0.0.1"])
    first = tls.fingerprint(cert)
    key.chmod(0o644)
    assert tls.key_exposed(key)
    assert tls.ensure_certificate(db, ["127.0.0.1"])[2] is True
    assert tls.fingerprint(cert) != first and key.stat().st_mode & 0o077 == 0 and not tls.key_exposed(key)


def test_a_remade_key_never_goes_through_a_file_or_link_that_was_there(tmp_path):
    """Issue 26: the key was written through a pre-existing .tmp file, keeping that file's mode."""
    db = tmp_path / "assessment.db"
    old_tmp = tmp_path / "https-key.pem.tmp"
    old_tmp.write_text("planted")
    old_tmp.chmod(0o666)
    elsewhere = tmp_path / "elsewhere.pem"
    (tmp_path / "https-key.pem.tmp.link").symlink_to(elsewhere)
    cert, key, made = tls.ensure_certificate(db, ["127.0.0.1"])
    assert made and key.stat().st_mode & 0o077 == 0
    assert old_tmp.read_text() == "planted" and not elsewhere.exists()
    assert "PRIVATE KEY" in key.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("https-key.pem.") and p.name.endswith(".tmp")
                and p != old_tmp]

