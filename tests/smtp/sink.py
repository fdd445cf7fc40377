"""A real SMTP server for the tests (aiosmtpd): STARTTLS or implicit TLS with the given
certificate, AUTH PLAIN/LOGIN required (after TLS) for one user, every accepted message appended
to a file. Prints "ready <port>" once listening; runs until killed.

    python3 sink.py MODE CERT KEY USER PASSWORD OUTFILE     (MODE: starttls | tls)
    python3 sink.py plain OUTFILE                           (no TLS, no AUTH: a local relay)
"""
import asyncio
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        with open(self.path, "a", encoding="utf-8") as f:
            f.write("RCPT " + ",".join(envelope.rcpt_tos) + "\n")
            f.write("AUTH " + str(session.authenticated) + "\n")
            f.write(envelope.content.decode("utf-8", "replace") + "\n.\n")
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False: the server answers 535 itself on a failure.
        return AuthResult(success=ok, handled=False)
    return check


def main():
    if sys.argv[1] == "plain":
        serve(Controller(Sink(sys.argv[2]), hostname="127.0.0.1", port=free_port()))
        return
    mode, cert, key, user, password, out = sys.argv[1:7]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    # With implicit TLS the whole connection is TLS, which aiosmtpd's own check for AUTH over
    # TLS does not see (it knows only its STARTTLS): it is asked for under STARTTLS only.
    common = dict(hostname="127.0.0.1", port=port, authenticator=authenticator(user, password),
                  auth_required=True, auth_require_tls=(mode == "starttls"))
    if mode == "starttls":
        controller = Controller(Sink(out), tls_context=context, require_starttls=True, **common)
    else:
        controller = Controller(Sink(out), ssl_context=context, **common)
    serve(controller)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(controller):
    controller.start()
    print(f"ready {controller.port}", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
