/** @odoo-module */
/**
 * Link a partner to its Xero contact through the "Link to Xero" wizard:
 * search Xero by name, compare side by side, link. Starts on the partner's
 * form (the test passes its URL); the company is connected to the local Xero.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_link_contact_tour", {
    steps: () => [
        {
            content: "The partner is not linked yet: open Link to Xero",
            trigger: '.o_form_view button[name="action_xero_link"]:contains("Link to Xero")',
            run: "click",
        },
        {
            content: "Search Xero for the partner's name (filled in)",
            trigger: '.modal .o_xero_search_term input',
            run: "edit Bayside",
        },
        {
            content: "Search",
            trigger: '.modal button[name="action_search"]',
            run: "click",
        },
        {
            content: "Compare the contact found with the partner",
            trigger: '.modal .o_xero_results .o_data_row:contains("Bayside Club") button[name="action_select"]',
            run: "click",
        },
        {
            content: "Both sides are shown: Xero's e-mail next to Odoo's",
            trigger: '.modal .o_xero_side_by_side:contains("secretary@baysideclub.example.com"):contains("In Odoo")',
        },
        {
            content: "Link to this Xero contact",
            trigger: '.modal button[name="action_link_selected"]',
            run: "click",
        },
        {
            content: "Confirm the link",
            trigger: '.modal-footer button.btn-primary:contains("Ok")',
            run: "click",
        },
        {
            content: "The partner is now in Xero",
            trigger: '.o_form_view button[name="action_xero_link"]:contains("In Xero")',
        },
    ],
});
