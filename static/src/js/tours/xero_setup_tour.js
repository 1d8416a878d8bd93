/** @odoo-module */
/**
 * The Xero setup wizard from the Xero menu to the dashboard. The company is
 * connected to the local Xero before the tour starts (Xero's consent page is
 * another site, which a tour cannot drive): step 1 shows the organisation.
 */
import { registry } from "@web/core/registry";
import { openXeroMenu } from "@account_xero/js/tours/xero_tour_steps";

const ORG = "Demo Company (Global)";

registry.category("web_tour.tours").add("xero_setup_tour", {
    url: "/odoo",
    steps: () => [
        ...openXeroMenu("account_xero.menu_xero_setup", "Open the Xero setup"),
        {
            content: "Step 1 shows the connected organisation",
            trigger: `.o_xero_setup_wizard div[name="step_connect"] .o_xero_connected:contains("${ORG}")`,
        },
        {
            content: "Next step",
            trigger: '.o_form_statusbar button[name="action_next"]',
            run: "click",
        },
        {
            content: "Step 2: import yes shows the warning",
            trigger: 'div[name="step_import"] div[name="import_choice"] input[data-value="yes"]',
            run: "click",
        },
        {
            content: "The import cannot be undone: the warning asks for a tick",
            trigger: 'div[name="step_import"] .alert-warning div[name="import_confirmed"] input',
        },
        {
            content: "Choose No",
            trigger: 'div[name="step_import"] div[name="import_choice"] input[data-value="no"]',
            run: "click",
        },
        {
            content: "How to link contacts later is explained",
            trigger: 'div[name="step_import"] .alert-info:contains("run this setup again")',
        },
        {
            content: "Next step",
            trigger: '.o_form_statusbar button[name="action_next"]',
            run: "click",
        },
        {
            content: "Documents to send: purchase orders too",
            trigger: 'div[name="step_documents"] div[name="send_purchase_orders"] input',
            run: "click",
        },
        {
            content: "Sent awaiting approval",
            trigger: 'div[name="step_documents"] div[name="po_status"] input[data-value="SUBMITTED"]',
            run: "click",
        },
        {
            content: "Next step",
            trigger: '.o_form_statusbar button[name="action_next"]',
            run: "click",
        },
        {
            content: "Step 3 says what documents need and is not mapped yet",
            trigger: 'div[name="step_mappings"] .o_xero_mapping_todo:contains("in use are not mapped")',
        },
        {
            content: "Review the suggested mappings (Xero's chart and tax rates are imported first)",
            trigger: 'div[name="step_mappings"] button[name="action_open_mappings"]',
            run: "click",
        },
        {
            content: "Each suggestion says why",
            trigger: '.modal .o_xero_mapping_lines .o_data_row:contains("Product Sales"):contains("similar name")',
        },
        {
            content: "Accept all suggestions",
            trigger: ".modal button.o_xero_accept_all",
            run: "click",
        },
        {
            content: "Everything in use is mapped now",
            trigger: 'body:not(:has(.modal)) div[name="step_mappings"] .o_xero_all_mapped:visible',
        },
        {
            content: "Next step",
            trigger: '.o_form_statusbar button[name="action_next"]',
            run: "click",
        },
        {
            content: "Step 4: start of this quarter",
            trigger: 'div[name="step_start_date"] div[name="start_date_choice"] input[data-value="quarter"]',
            run: "click",
        },
        {
            content: "Confirm the start date",
            trigger: 'div[name="step_start_date"] div[name="start_date_confirmed"] input',
            run: "click",
        },
        {
            content: "Next step",
            trigger: '.o_form_statusbar button[name="action_next"]',
            run: "click",
        },
        {
            content: "Step 5: manual is recommended",
            trigger: 'div[name="step_send_mode"]:contains("Manual is recommended")',
        },
        {
            content: "Send automatically",
            trigger: 'div[name="step_send_mode"] div[name="send_mode"] input[data-value="auto"]',
            run: "click",
        },
        {
            content: "Every 4 hours",
            trigger: 'div[name="step_send_mode"] div[name="sync_interval"] input',
            run: "edit 4",
        },
        {
            content: "Confirm the send mode",
            trigger: 'div[name="step_send_mode"] div[name="send_mode_confirmed"] input',
            run: "click",
        },
        {
            content: "Next step",
            trigger: '.o_form_statusbar button[name="action_next"]',
            run: "click",
        },
        {
            content: "Step 6 summarises the choices",
            trigger: `div[name="step_confirm"] .o_xero_setup_summary:contains("${ORG}"):contains("every 4 hour"):contains("Purchase orders (Awaiting approval)")`,
        },
        {
            content: "Finish",
            trigger: '.o_form_statusbar button[name="action_finish"]',
            run: "click",
        },
        {
            content: "The dashboard reminds to map accounts and contacts",
            trigger: `.o_form_view:contains("${ORG}") .o_xero_first_send_reminder`,
        },
    ],
});

/**
 * Coming back from Xero's consent page: Odoo's callback reopens the setup
 * wizard that started the connection, on step 1 with the organisation shown.
 */
registry.category("web_tour.tours").add("xero_setup_return_tour", {
    steps: () => [
        {
            content: "The wizard that started the connection is back, showing the organisation",
            trigger: `.o_xero_setup_wizard div[name="step_connect"] .o_xero_connected:contains("${ORG}")`,
        },
        {
            content: "Next step",
            trigger: '.o_form_statusbar button[name="action_next"]',
            run: "click",
        },
        {
            content: "Step 2 is shown",
            trigger: 'div[name="step_import"] div[name="import_choice"]',
        },
    ],
});
