# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.40.0"
  constraints = "~> 5.40"
  hashes = [
    "h1:i0PcSqHjXlYbFD8/lvrHTnktmPgUgskjw+Op0ORnjt0=",
    "zh:43be988fe104a70f062419551290b3bd2ecd9d87eefbdafc12fdb0efbb21ba7d",
    "zh:c7099b2a29c30afade33439d7b74547b9530c929565eb6f6c8c8ac3cfa24d996",
    "zh:ae4786420ce03ebf8206e91e5bc4d4ae0fbeb93d116bfeb6f45210cfb3c2dac6",
    "zh:9ec5f574ab7fc25a7ac9a8226f3b7f5f4e2b05afc2360501ec36a0a075d80138",
    "zh:6f6ed3d0a13606d7fbde8fb49ffe2e1f84100a2e41e8d946dc6c1a397049d978",
    "zh:798d7a977708c5ae92860d51d617f1df6ef64a14b2fff45b94de487139f7568f",
    "zh:4fb7a6114db36362fca614f21dad8bd03f9d5c65b283f98c389603c2f7927c6a",
    "zh:9a5d55e00d20a923217993b9732ef3c6823404f45049f20624f4b087509a25e8",
    "zh:fa9bbe7d6b401f98d008facd71662184e8690368be5afd4140197b230b6d189f",
    "zh:3be2ee6127fdacc7c7a32366caa51c68c275c6fd4f64bd7a07b91349e7da90df",
    "zh:55a73ea84d6cfecfbf2f28abed812c7aea2ecdd26ab81e21a775f87da8860174",
    "zh:c6d0689fd026da8daecb0331c1aabe29b4b438bd8300b1546d98ac354cec1eb2",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.0"
  hashes = [
    "h1:0dM2RKQhx4rx5M2fFEOFbblGfPHppAz+twnYgtdbs6E=",
    "zh:14e7756f6d039f3d3b456cca8fe5da771dd15420522d4bb4cae96fd738b10c22",
    "zh:813d7a7c667cf7d8467844c9fad1dd3970e4a3a698b93cbfcedb18cbc9f883b7",
    "zh:218a80b17fd8e4e867bbd6abbe817faa1fc97c7e454980ffacfe4dfc16198292",
    "zh:14b91552d39539686ba046cbae7521719fc3789210bd37d0dbddcda0f67f78a9",
    "zh:e1d14b017d66f0a14c7b59620197d0e202dc93dabfcec10405c4fda739b51a54",
    "zh:6f4161d4aec3cfbe4267231f5e57f9e62f61e1290168634819835429097d24d2",
    "zh:f170605fca6460e67b41109efcdf70845e7a81eb9869d0189ddd73e7531a0ed0",
    "zh:79492b8011d1e3635b11c762f15cd4d806e298a3e4e8421cdd52c722d50d5624",
  ]
}
