/** @odoo-module */
/**
 * Import chosen Xero contacts: from the connection's "Import from Xero" tab,
 * search Xero by name, tick two of the contacts listed, import them. Starts
 * on the connection's form (the test passes its URL).
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_contact_import_tour", {
    steps: () => [
        {
            content: "Open the Import from Xero tab",
            trigger: '.o_notebook a[name="import_from_xero"]',
            run: "click",
        },
        {
            content: "Each kind of data has its own Import",
            trigger: ".o_xero_import_actions button.o_xero_import_tax_rates",
        },
        {
            content: "Choose contacts to import",
            trigger: "button.o_xero_choose_contacts",
            run: "click",
        },
        {
            content: "Search Xero by name",
            trigger: ".modal .o_xero_import_search input",
            run: "edit Tour Pick",
        },
        {
            content: "Search",
            trigger: '.modal button[name="action_search"]',
            run: "click",
        },
        {
            content: "The contacts found are listed, with Load more",
            trigger: '.modal .o_xero_import_lines .o_data_row:contains("Tour Pick 00000")',
        },
        {
            content: "Load more",
            trigger: '.modal button[name="action_load_more"]',
            run: "click",
        },
        {
            content: "The next page is listed too",
            trigger: '.modal .o_xero_import_lines .o_data_row:contains("Tour Pick 00104")',
        },
        {
            content: "Tick the second contact",
            trigger: '.modal .o_data_row:contains("Tour Pick 00001") .o_field_boolean_toggle input',
            run: "click",
        },
        {
            content: "Tick one of the next page",
            trigger: '.modal .o_data_row:contains("Tour Pick 00103") .o_field_boolean_toggle input',
            run: "click",
        },
        {
            content: "Import the ticked contacts",
            trigger: '.modal button[name="action_import"]',
            run: "click",
        },
        {
            content: "The wizard says what it did",
            trigger: '.modal .o_xero_import_result:contains("2 chosen: 2 created")',
        },
    ],
});
