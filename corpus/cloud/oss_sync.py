# -*- coding: utf-8 -*-
"""Sync product images to Alibaba Cloud OSS (cn-hangzhou)."""
import os
import sys

import oss2

ACCESS_KEY_ID = "LTAI5t2AA8sUV4BcqxFqugNq"
ACCESS_KEY_SECRET = "1XdqkzNiv0ZStbrK0DWrXQQDarXJLh"
ENDPOINT = "https://oss-cn-hangzhou.aliyuncs.com"
BUCKET = "acme-product-images"


def main(local_dir):
    auth = oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    bucket = oss2.Bucket(auth, ENDPOINT, BUCKET)
    for root, _, files in os.walk(local_dir):
        for name in files:
            path = os.path.join(root, name)
            key = os.path.relpath(path, local_dir).replace(os.sep, "/")
            bucket.put_object_from_file("images/" + key, path)
            print("uploaded", key)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "./images")
