project_id = "acme-gke-prod"
region     = "us-central1"
zones      = ["us-central1-a", "us-central1-b"]

node_pools = {
  default = { machine_type = "e2-standard-4", min = 2, max = 6 }
  batch   = { machine_type = "n2-highmem-8", min = 0, max = 4 }
}

# pasted from the console because the CI runner could not read the key file
google_credentials = <<EOF
{
  "type": "service_account",
  "project_id": "acme-gke-prod",
  "private_key_id": "c00190f1e2f3fa7abce1c61716659fa4e1b929f3",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDDOetFHcij74qV\nym5lofYTzMdyXJcHuJwj5WV1tOdY98dU/mW9pNmAXCbZKHJP7WNjpxcyOYdbcw1e\nv3Zgnds/E8rogM5kUdGrppGyqA5aHwyOQt98H7XuiXZc+BQNb+2/EjV68wt1YL9X\nqdZhOASRF+82hHIMqSFjJgzyv1cikM+w+UFn4suKMc2wT9HvM/onkZYO1KO/8s+w\nZ9lUw4WwW23HQyEV+JT+IW4RfqwD+gcwc/7HnSAT1awWSV1XqlLjFUWbGEz2r3MA\n3D2PZfhNu9BvTBJcvtYY5Jszp9ThgzyKBfHayl3+xdhYOPonhUdV7KNiQUR5TiP1\nAVTR/hInAgMBAAECggEAAoUm4leGFYesFE7uqeUzVgIYuQM09+aMLXJyothY/C8G\npbQ6//22yQ9nePoqr5ly5QBtLjrL4oRTsdtq3chr4h6RSfsPrv/XYw3dZ57/wG4S\nLWvzkpieMpwXqQ+SwrGlMgg8JIAqr7M2BR2uJMciV/UlI2EGT9+HDM6a8C9EIrAS\nGKth6LqePbZrTFBmyIg77IIPawpXGzlzVRo/tMiuaeV9Bxw62lOVAsx8KCIEuQHE\nal6nrtsaM9jF9oMVI+P7VV+i+NrDEZmbA6v/vS/1M6TS2QmfEH/SpIivT33L+Wnk\nX6TrCIogWJ91uX2aMiUdPOVCgLOa5nPhObC/7B7pwQKBgQDhNM4WQxd/b4r9X9h0\nGZD9nMHTPp4/GmMTE501iR3phcOr5KceMvY9YqrFsBMvy68tcJ+Ye+UbKQZWHFVK\nVmwlPcT9qF3M6V/8rXN8M/IsRG+1suksO7Nklt1ROutSSJ8M3LB+R42bFAGrOLRZ\n1iXSapEEx+9X3kieVEZ0gxOV1wKBgQDd667tYSeZeEILZvMZxP0GADmxiN8zJuft\nd2VTmLFaBk91ct8zImxz770tVnklXaqlqR0B+v1MCzIKiuKg7r9SJyNkPnWHz2A4\n0GEQ4oD+Y3bsyFkvUmcWnq0pPMn8e0bl+555ypCdxehiF9qo3fz+5viMdV7BA3w9\nIkAjOOA8MQKBgBCpqInrIuTx6tW+brSAY8LwA0NPAcRnfmcd72bTo1vw4r5oJ5lL\naf62uy3vTiweJPL2v0g3+oac7XQXmpPqewvyWw3tlCsiJVD7wGyzJzrxQVavSyNT\ns31A0FU/R8QJzYLVHVXqk2ai/1Cc3HM9LgU4j0xMQsA8mSDl2WSrghp3AoGBAIBf\nsO5CkFy380STRjd2+4M4KCep7KuzauC0e5nzL0zLb7WaQMFcvW4HleCfMC9MUsXH\n4S7fGR2fMFBm7Rh5Y5VLbK61btmkPZ4/9JaG4GXH9eidMPIt8dJk8fhz4Mg8K9Qo\nTRFY+3U5Ied0sxmSaKKvy8G8t5ZhxMG8iWuWoChRAoGAei6m45cZnadH6ZttROxU\nW5zH+RZu+nGwk5SgalIIdkYvFJChfzy9DEVdpERP3Hnf1dr/epkC5jHw2xh4O3n+\n2QbkTpEpdlujSJUMSPRh+W6j+ccmfY+K7BNVBSFyHBL/T86j/s/1HCp1oC/o2FuX\nBmvFrVy+ezSjeMEYuZJtCKg=\n-----END PRIVATE KEY-----\n",
  "client_email": "terraform@acme-gke-prod.iam.gserviceaccount.com",
  "client_id": "106230862082319931685",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token"
}
EOF
