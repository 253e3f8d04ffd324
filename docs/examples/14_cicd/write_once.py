"""Worked example: write-once objects on S3, and the race a "check, then write" loses.

Release notes for each day's deploy go to object storage under one key per day. Two CI jobs that
run at once (a retried job, a second pipeline) must not both "win": the first note written is the
record, and a later one must be refused, not silently replace it.

The example starts moto's S3 server on 127.0.0.1 (the same S3 API the course's checks use, no
cloud account), then has eight writers race for one key twice:

1. check, then write: `head_object`, and `put_object` only when the key is absent. A barrier
   makes every writer check before any writes: the unlucky timing that happens in production
   now and then, forced here so that the example prints the same thing on every run;
2. a conditional write: `put_object(..., IfNoneMatch="*")`, which the server decides in one step
   and refuses with 412 PreconditionFailed when the key exists.

It ends with a presigned URL: a link that downloads one object without credentials, until it
expires.

Run: python docs/examples/14_cicd/write_once.py   (about 3 s)
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

WRITERS = 8
BUCKET = "release-notes"


def client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",  # moto accepts any; real code takes them from the environment
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4"),  # what AWS requires today: X-Amz-* URLs
    )


def race(s3, key: str, conditional: bool) -> tuple[int, str]:
    """WRITERS threads write their own note under `key` at once; returns (how many believed
    they wrote it, the note that stayed)."""
    start, checked = threading.Barrier(WRITERS), threading.Barrier(WRITERS)
    believed = []

    def writer(i: int) -> None:
        body = f"deploy notes from job {i}".encode()
        start.wait()
        if conditional:
            try:
                s3.put_object(Bucket=BUCKET, Key=key, Body=body, IfNoneMatch="*")
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "PreconditionFailed":
                    return
                raise
        else:
            try:
                s3.head_object(Bucket=BUCKET, Key=key)
                exists = True
            except ClientError:
                exists = False
            checked.wait()  # everyone has looked; nobody has written yet
            if exists:
                return  # somebody wrote it already
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        believed.append(i)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kept = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return len(believed), kept


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        s3 = client(f"http://{host}:{port}")
        s3.create_bucket(Bucket=BUCKET)
        for conditional, key in [
            (False, "2026-11-30/check-then-put.txt"),
            (True, "2026-11-30/if-none-match.txt"),
        ]:
            believed, _ = race(s3, key, conditional)
            how = "put with IfNoneMatch=*" if conditional else "head, then put"
            print(f"{how}: {believed} of {WRITERS} writers believed they wrote the note")
        url = s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": BUCKET, "Key": "2026-11-30/if-none-match.txt"},
            ExpiresIn=900,
        )
        query = parse_qs(urlsplit(url).query)
        response = httpx.get(url)
        print(
            f"presigned GET, no credentials: HTTP {response.status_code}, "
            f"expires in {query['X-Amz-Expires'][0]} s"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
