"""Demo constants (the ``DEMO`` namespace) and the content of a freshly created organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from .util import ms_date, new_id


@dataclass(frozen=True)
class DemoConstants:
    """Fixed values of the demo app and demo organisation."""

    client_id: str = "ACCOUNT-XERO-DEMO"
    client_secret: str = "account-xero-demo-secret"
    redirect_uris: tuple = ("http://127.0.0.1:", "http://localhost:")
    tenant_id: str = "7a1c5d7e-1b2c-4d3e-9f00-00000000d3e0"
    tenant_name: str = "Demo Company (Global)"
    webhook_key: str = "ZGVtby13ZWJob29rLWtleS1hY2NvdW50LXhlcm8tZGVtbw=="
    app_name: str = "Account Xero Demo"
    user_email: str = "demo.user@example.com"
    scopes: tuple = field(
        default=(
            "offline_access",
            "openid",
            "profile",
            "email",
            "accounting.transactions",
            "accounting.contacts",
            "accounting.settings",
            "accounting.attachments",
        )
    )


DEMO = DemoConstants()

BASE_CURRENCY = "USD"
CURRENCIES = [
    ("USD", "United States Dollar"),
    ("EUR", "Euro"),
    ("GBP", "British Pound"),
    ("AUD", "Australian Dollar"),
    ("NZD", "New Zealand Dollar"),
]

ACCOUNT_CLASS = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "EQUITY": "EQUITY",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}

# Code, Name, Type, TaxType, extra fields
ACCOUNTS = [
    (
        "090",
        "Business Bank Account",
        "BANK",
        "NONE",
        {"BankAccountNumber": "121-222-33334444", "BankAccountType": "BANK", "CurrencyCode": "USD"},
    ),
    (
        "091",
        "Business Savings Account",
        "BANK",
        "NONE",
        {"BankAccountNumber": "121-222-55556666", "BankAccountType": "BANK", "CurrencyCode": "USD"},
    ),
    ("095", "Payments Clearing", "CURRENT", "NONE", {"EnablePaymentsToAccount": True}),
    ("200", "Sales", "REVENUE", "OUTPUT", {"Description": "Income from any normal business activity"}),
    (
        "260",
        "Other Revenue",
        "REVENUE",
        "OUTPUT",
        {"Description": "Any other income that does not relate to normal business activities"},
    ),
    ("270", "Interest Income", "REVENUE", "NONE", {}),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", {"Description": "Cost of goods sold by the business"}),
    ("400", "Advertising", "OVERHEADS", "INPUT", {}),
    ("404", "Bank Fees", "OVERHEADS", "NONE", {}),
    ("429", "General Expenses", "OVERHEADS", "INPUT", {}),
    ("453", "Office Expenses", "OVERHEADS", "INPUT", {}),
    ("469", "Rent", "OVERHEADS", "INPUT", {}),
    ("499", "Old Marketing Costs", "OVERHEADS", "INPUT", {"Status": "ARCHIVED"}),
    ("610", "Accounts Receivable", "CURRENT", "NONE", {"SystemAccount": "DEBTORS"}),
    ("620", "Prepayments", "CURRENT", "NONE", {}),
    ("630", "Inventory", "INVENTORY", "NONE", {}),
    ("710", "Office Equipment", "FIXED", "INPUT", {}),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", {"SystemAccount": "CREDITORS"}),
    ("820", "Sales Tax", "CURRLIAB", "NONE", {"SystemAccount": "GST"}),
    ("860", "Rounding", "CURRLIAB", "NONE", {"SystemAccount": "ROUNDING"}),
    ("880", "Owner A Drawings", "EQUITY", "NONE", {}),
    ("960", "Retained Earnings", "EQUITY", "NONE", {"SystemAccount": "RETAINEDEARNINGS"}),
]

# TaxType, Name, rate, status, applies-to (classes), ReportTaxType
TAX_RATES = [
    ("NONE", "No Tax", "0", "ACTIVE", ("ASSET", "EQUITY", "EXPENSE", "LIABILITY", "REVENUE"), "NONE"),
    ("OUTPUT", "Tax on Sales", "15", "ACTIVE", ("ASSET", "EQUITY", "LIABILITY", "REVENUE"), "OUTPUT"),
    ("INPUT", "Tax on Purchases", "15", "ACTIVE", ("ASSET", "EQUITY", "EXPENSE", "LIABILITY"), "INPUT"),
    ("EXEMPTOUTPUT", "Exempt Sales", "0", "ACTIVE", ("REVENUE",), "EXEMPTOUTPUT"),
    ("EXEMPTEXPENSES", "Exempt Expenses", "0", "ACTIVE", ("EXPENSE", "ASSET"), "EXEMPTEXPENSES"),
    ("TAX001", "Old Sales Tax 12.5%", "12.5", "DELETED", ("REVENUE",), "OUTPUT"),
]

TRACKING = [("Region", ["North", "South", "East", "West"]), ("Department", ["Sales", "Marketing", "Operations"])]

ITEMS = [
    (
        "BOOK",
        "Fish out of Water: Finding Your Brand",
        "Fish out of Water: Finding Your Brand (paperback)",
        "19.95",
        "12.50",
    ),
    ("DevD", "Development work - developer day rate", "Development work - developer day rate", "500.00", None),
    ("GB1-White", "Golf balls - white single", "Golf balls - white single. Perfect for practice.", "5.90", "2.10"),
]

CONTACTS = [
    {
        "Name": "Basket Case",
        "FirstName": "Sarah",
        "LastName": "Case",
        "EmailAddress": "accounts@basketcase.example.com",
        "AccountNumber": "CUST-001",
        "TaxNumber": "12-3456789",
        "IsCustomer": True,
        "ContactPersons": [
            {
                "FirstName": "Tom",
                "LastName": "Weaver",
                "EmailAddress": "tom@basketcase.example.com",
                "IncludeInEmails": True,
            }
        ],
        "_street": ("Shop 2, 14 Market St", "Springfield", "IL", "62701", "United States"),
        "_phone": ("217", "555-0142"),
    },
    {
        "Name": "Bayside Club",
        "FirstName": "Bob",
        "LastName": "Partridge",
        "EmailAddress": "secretary@baysideclub.example.com",
        "AccountNumber": "CUST-002",
        "IsCustomer": True,
        "_street": ("148 Bay Harbour Road", "Ridge Heights", "CA", "94109", "United States"),
        "_phone": ("415", "555-0199"),
    },
    {
        "Name": "City Limousines",
        "FirstName": "Kate",
        "LastName": "Lange",
        "EmailAddress": "bookings@citylimos.example.com",
        "AccountNumber": "CUST-003",
        "TaxNumber": "98-7654321",
        "IsCustomer": True,
        "DefaultCurrency": "EUR",
        "_street": ("Rue du Quai 12", "Brussels", "", "1000", "Belgium"),
        "_phone": ("2", "555 0101"),
    },
    {
        "Name": "Ridgeway University",
        "FirstName": "Jane",
        "LastName": "Marsh",
        "EmailAddress": "ap@ridgeway.example.edu",
        "AccountNumber": "CUST-004",
        "IsCustomer": True,
        "ContactPersons": [
            {
                "FirstName": "Peter",
                "LastName": "Lane",
                "EmailAddress": "peter.lane@ridgeway.example.edu",
                "IncludeInEmails": False,
            }
        ],
        "_street": ("2 Campus Drive", "Ridgeway", "NY", "10027", "United States"),
        "_phone": ("212", "555-0177"),
    },
    {
        "Name": "ABC Furniture",
        "FirstName": "Trish",
        "LastName": "Rawlings",
        "EmailAddress": "info@abfl.example.com",
        "AccountNumber": "SUPP-001",
        "TaxNumber": "45-1122334",
        "IsSupplier": True,
        "_street": ("Unit 4, Industrial Park", "Oaktown", "TX", "73301", "United States"),
        "_phone": ("512", "555-0123"),
    },
    {
        "Name": "Hoyt Productions",
        "FirstName": "Ariel",
        "LastName": "Hoyt",
        "EmailAddress": "ariel@hoytproductions.example.com",
        "AccountNumber": "SUPP-002",
        "IsSupplier": True,
        "DefaultCurrency": "GBP",
        "_street": ("77 Kings Road", "London", "", "SW3 4NX", "United Kingdom"),
        "_phone": ("20", "7946 0958"),
    },
    {
        "Name": "PowerDirect",
        "EmailAddress": "billing@powerdirect.example.com",
        "AccountNumber": "SUPP-003",
        "IsSupplier": True,
        "_street": ("PO Box 8845", "Springfield", "IL", "62702", "United States"),
        "_phone": ("800", "555-0100"),
    },
    {
        "Name": "Old Partner Ltd",
        "EmailAddress": "closed@oldpartner.example.com",
        "ContactStatus": "ARCHIVED",
        "IsSupplier": True,
        "_street": ("1 Gone Street", "Nowhere", "OR", "97001", "United States"),
        "_phone": ("503", "555-0000"),
    },
]


def organisation(tenant_id: str, name: str, now_ms: int, demo: bool) -> dict:
    """The Organisation record of a new tenant."""
    return {
        "OrganisationID": tenant_id,
        "APIKey": new_id().replace("-", "")[:30].upper(),
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": "GLOBAL",
        "OrganisationType": "COMPANY",
        "BaseCurrency": BASE_CURRENCY,
        "CountryCode": "US",
        "IsDemoCompany": demo,
        "OrganisationStatus": "ACTIVE",
        "TaxNumber": "101-2-303",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 12,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": ms_date(now_ms),
        "OrganisationEntityType": "COMPANY",
        "Timezone": "EASTERNSTANDARDTIME",
        "ShortCode": "!" + tenant_id[:5],
        "Class": "DEMO" if demo else "STANDARD",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Professional services",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": "23 Main Street",
                "City": "Central City",
                "Region": "NY",
                "PostalCode": "10001",
                "Country": "United States",
            }
        ],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "555-1234", "PhoneAreaCode": "212"}],
        "ExternalLinks": [],
        "PaymentTerms": {
            "Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
            "Bills": {"Day": 20, "Type": "DAYSAFTERBILLDATE"},
        },
    }


def _stamp(obj: dict, now_ms: int) -> dict:
    obj["UpdatedDateUTC"] = ms_date(now_ms)
    obj["_upd"] = now_ms
    return obj


def accounts(now_ms: int) -> list[dict]:
    """The demo chart of accounts."""
    out = []
    for code, name, typ, tax, extra in ACCOUNTS:
        acc = {
            "AccountID": new_id(),
            "Code": code,
            "Name": name,
            "Status": "ACTIVE",
            "Type": typ,
            "TaxType": tax,
            "Class": ACCOUNT_CLASS[typ],
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": ACCOUNT_CLASS[typ] == "EXPENSE",
            "ReportingCode": "",
            "HasAttachments": False,
            "AddToWatchlist": False,
        }
        if typ == "BANK":
            acc["EnablePaymentsToAccount"] = False
        acc.update(extra)
        out.append(_stamp(acc, now_ms))
    return out


def tax_rates() -> list[dict]:
    """The demo tax rates (one of them DELETED)."""
    out = []
    for tax_type, name, rate, status, classes, report in TAX_RATES:
        out.append(
            {
                "Name": name,
                "TaxType": tax_type,
                "Status": status,
                "ReportTaxType": report,
                "TaxComponents": [{"Name": "Tax", "Rate": float(rate), "IsCompound": False, "IsNonRecoverable": False}],
                "CanApplyToAssets": "ASSET" in classes,
                "CanApplyToEquity": "EQUITY" in classes,
                "CanApplyToExpenses": "EXPENSE" in classes,
                "CanApplyToLiabilities": "LIABILITY" in classes,
                "CanApplyToRevenue": "REVENUE" in classes,
                "DisplayTaxRate": float(rate),
                "EffectiveRate": float(rate),
            }
        )
    return out


def tracking_categories() -> list[dict]:
    """Region and Department."""
    out = []
    for name, options in TRACKING:
        cat_id = new_id()
        out.append(
            {
                "TrackingCategoryID": cat_id,
                "Name": name,
                "Status": "ACTIVE",
                "Options": [
                    {"TrackingOptionID": new_id(), "Name": o, "Status": "ACTIVE", "TrackingCategoryID": cat_id}
                    for o in options
                ],
            }
        )
    return out


def items(now_ms: int) -> list[dict]:
    """A few sold/purchased items."""
    out = []
    for code, name, desc, sale, buy in ITEMS:
        item = {
            "ItemID": new_id(),
            "Code": code,
            "Name": name,
            "Description": desc,
            "IsSold": True,
            "IsPurchased": buy is not None,
            "IsTrackedAsInventory": False,
            "SalesDetails": {"UnitPrice": float(sale), "AccountCode": "200", "TaxType": "OUTPUT"},
        }
        if buy is not None:
            item["PurchaseDescription"] = desc
            item["PurchaseDetails"] = {
                "UnitPrice": float(buy),
                "COGSAccountCode": "310",
                "AccountCode": "310",
                "TaxType": "INPUT",
            }
        else:
            item["PurchaseDetails"] = {}
        out.append(_stamp(item, now_ms))
    return out


def contacts(now_ms: int) -> list[dict]:
    """Customers, suppliers and one archived contact."""
    out = []
    for spec in CONTACTS:
        c = {k: v for k, v in spec.items() if not k.startswith("_")}
        street, city, region, postcode, country = spec["_street"]
        area, number = spec["_phone"]
        c.setdefault("ContactStatus", "ACTIVE")
        c.setdefault("IsCustomer", False)
        c.setdefault("IsSupplier", False)
        c.setdefault("ContactPersons", [])
        c.update(
            {
                "ContactID": new_id(),
                "BankAccountDetails": "",
                "HasAttachments": False,
                "HasValidationErrors": False,
                "ContactGroups": [],
                "Addresses": [
                    {
                        "AddressType": "STREET",
                        "AddressLine1": street,
                        "City": city,
                        "Region": region,
                        "PostalCode": postcode,
                        "Country": country,
                    },
                    {
                        "AddressType": "POBOX",
                        "AddressLine1": street,
                        "City": city,
                        "Region": region,
                        "PostalCode": postcode,
                        "Country": country,
                    },
                ],
                "Phones": [
                    {"PhoneType": "DEFAULT", "PhoneNumber": number, "PhoneAreaCode": area, "PhoneCountryCode": "1"},
                    {"PhoneType": "MOBILE", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
                    {"PhoneType": "FAX", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
                    {"PhoneType": "DDI", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
                ],
            }
        )
        out.append(_stamp(c, now_ms))
    return out


def currencies() -> list[dict]:
    """The enabled currencies of a new organisation."""
    return [{"Code": code, "Description": desc} for code, desc in CURRENCIES]


ALL_CURRENCY_NAMES = dict(CURRENCIES) | {
    "CAD": "Canadian Dollar",
    "JPY": "Japanese Yen",
    "CHF": "Swiss Franc",
    "SGD": "Singapore Dollar",
    "HKD": "Hong Kong Dollar",
    "ZAR": "South African Rand",
    "SEK": "Swedish Krona",
    "NOK": "Norwegian Krone",
    "DKK": "Danish Krone",
    "CNY": "Chinese Yuan",
    "INR": "Indian Rupee",
    "MXN": "Mexican Peso",
    "FJD": "Fiji Dollar",
}
