# The C module behind `signal` (typeshed has no stub for it): what claude uses, typed as `signal`'s.
# claude imports it instead of `signal` on the request path: `signal` turns its constants into
# enums when imported (3.3 M instructions, 1.5 % of `claude ask`: bench/RESULTS.md, issue 32).
from signal import SIG_BLOCK as SIG_BLOCK
from signal import SIG_IGN as SIG_IGN
from signal import SIG_UNBLOCK as SIG_UNBLOCK
from signal import SIGHUP as SIGHUP
from signal import SIGINT as SIGINT
from signal import SIGTERM as SIGTERM
from signal import default_int_handler as default_int_handler
from signal import getsignal as getsignal
from signal import pthread_kill as pthread_kill
from signal import pthread_sigmask as pthread_sigmask
from signal import raise_signal as raise_signal
from signal import signal as signal
