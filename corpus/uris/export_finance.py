import csv
import datetime as dt

import pyodbc

CONN_STR = (
    "DRIVER={ODBC Driver 18 for SQL Server};"
    "SERVER=fin-sql01.kestrel.local;DATABASE=Ledger;"
    "UID=fin_reader;PWD=Ledger!2023q4;"
    "TrustServerCertificate=yes"
)


def main() -> None:
    month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    with pyodbc.connect(CONN_STR) as conn, open(f"ledger-{month:%Y-%m}.csv", "w", newline="") as fh:
        cur = conn.cursor()
        cur.execute("SELECT * FROM dbo.JournalEntries WHERE PostingMonth = ?", month.strftime("%Y-%m"))
        w = csv.writer(fh)
        w.writerow([c[0] for c in cur.description])
        w.writerows(cur.fetchall())


if __name__ == "__main__":
    main()
