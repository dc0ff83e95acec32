"""Start a stand-in's gRPC server and tell the engine where it listens."""

from __future__ import annotations

import sys
from concurrent import futures

import grpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc


def start(servicer: provider_pb2_grpc.ResourceProviderServicer) -> tuple[grpc.Server, int]:
    """A running server on 127.0.0.1 and its port (also what the tests connect to)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def serve_forever(servicer: provider_pb2_grpc.ResourceProviderServicer) -> None:
    """The plugin handshake: the port, alone on the first line of stdout; then serve until the
    engine kills the process."""
    server, port = start(servicer)
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()
