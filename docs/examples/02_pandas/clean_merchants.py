"""Worked example: cleaning a messy merchants export.

The partner team sends its merchants as text: padded, mixed-case categories, volumes with
thousands separators, missing countries, and a merchant listed twice with different formatting.
Each fix is one vectorised string or parsing method; the key decides what a duplicate is.

Run: python docs/examples/02_pandas/clean_merchants.py
"""

import pandas as pd

EXPORT = pd.DataFrame(
    {
        "merchant_id": ["12", "7", "12", "30", "41"],
        "category": [" Grocery", "TRAVEL ", "grocery", "Gift_Cards", "  fuel "],
        "monthly_volume": ["12,500.00", "980.50", "12,500.00", "1,250,000.75", "3,000.00"],
        "country": ["DE", None, "DE ", "FR", "NL"],
    },
    dtype=object,
)


def clean_merchants(export: pd.DataFrame) -> pd.DataFrame:
    """Typed merchants, one row per merchant_id (its first row), sorted by id."""
    merchants = export.copy()  # the export stays as it came in
    merchants["merchant_id"] = pd.to_numeric(merchants["merchant_id"])
    merchants["category"] = merchants["category"].str.strip().str.casefold()
    volume_text = merchants["monthly_volume"].str.replace(",", "", regex=False)
    merchants["monthly_volume"] = pd.to_numeric(volume_text)
    merchants["country"] = merchants["country"].str.strip().fillna("??")
    merchants = merchants.drop_duplicates(subset=["merchant_id"], keep="first")
    return merchants.sort_values("merchant_id").reset_index(drop=True)


def main() -> None:
    print("whole-row duplicates:", int(EXPORT.duplicated().sum()))
    print("repeated ids:", int(EXPORT["merchant_id"].duplicated().sum()))

    naive = pd.to_numeric(EXPORT["monthly_volume"], errors="coerce")
    print("errors='coerce' turns", int(naive.isna().sum()), "of 5 volumes into NaN")

    merchants = clean_merchants(EXPORT)
    print(merchants)
    print(f"{len(EXPORT)} rows in, {len(merchants)} merchants out")
    print("total monthly volume:", f"{merchants['monthly_volume'].sum():,.2f}")
    print("export untouched:", EXPORT["category"].iloc[0] == " Grocery")


if __name__ == "__main__":
    main()
