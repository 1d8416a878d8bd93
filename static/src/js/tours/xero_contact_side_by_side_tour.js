/** @odoo-module */
/**
 * A linked partner next to its Xero contact: from the partner's form, one
 * click shows both sides, Xero's balances of the contact, the link that
 * opens it in Xero, the search and the manual ContactID. Starts on the
 * partner's form (the test passes its URL).
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_contact_side_by_side_tour", {
    steps: () => [
        {
            content: "The partner is in Xero: open it",
            trigger: '.o_form_view button[name="action_xero_link"]:contains("In Xero")',
            run: "click",
        },
        {
            content: "Odoo's values next to Xero's, loaded from Xero",
            trigger: '.modal .o_xero_side_by_side:contains("In Odoo"):contains("club@bay.example.com"):contains("secretary@baysideclub.example.com")',
        },
        {
            content: "Xero's balances of the contact: owed and overdue",
            trigger: '.modal .o_xero_balances:contains("Owed to you"):contains("420.50"):contains("300.00")',
        },
        {
            content: "The link opens the contact in Xero",
            trigger: '.modal .o_xero_open_contact a[href*="/Contacts/View/"]',
        },
        {
            content: "The manual ContactID is there, with its warning",
            trigger: '.modal .alert-warning:contains("A wrong ContactID sends this partner")',
        },
        {
            content: "Look up in Xero from the same place",
            trigger: '.modal .o_xero_search_term input',
            run: "edit Basket",
        },
        {
            content: "Search",
            trigger: '.modal button[name="action_search"]',
            run: "click",
        },
        {
            content: "The contacts found are listed",
            trigger: '.modal .o_xero_results .o_data_row:contains("Basket Case")',
        },
    ],
});
