/** @odoo-module */
/**
 * A purchase order to Xero from the dashboard: confirm a draft order (the
 * test opens its form), see it waiting, open the Xero dashboard, "Send data
 * now", then open it from what was sent today and see it sent, approved in
 * Xero.
 */
import { registry } from "@web/core/registry";
import { openXeroMenu, sendNowSteps } from "@account_xero/js/tours/xero_tour_steps";

registry.category("web_tour.tours").add("xero_po_send_tour", {
    steps: () => [
        {
            content: "Confirm the order",
            trigger: '.o_form_statusbar button[name="button_confirm"]#draft_confirm',
            run: "click",
        },
        {
            content: "It is waiting to be sent to Xero",
            trigger: '.o_xero_status_button:contains("Waiting to be sent")',
        },
        ...openXeroMenu("account_xero.menu_xero_dashboard", "Open the Xero dashboard"),
        {
            content: "The order waits",
            trigger: '.o_kanban_record .o_xero_waiting .fs-3:contains("1")',
        },
        ...sendNowSteps(),
        {
            content: "Open what was sent today (the order and its new vendor)",
            trigger: '.o_kanban_record .o_xero_sent:has(.fs-3:contains("2"))',
            run: "click",
        },
        {
            content: "The order is there, sent: open it",
            trigger: '.o_data_row:contains("P0") .badge:contains("Sent")',
            run: "click",
        },
        {
            content: "Open the purchase order",
            trigger: '.o_form_view button[name="action_open_record"]',
            run: "click",
        },
        {
            content: "Its Xero status button says it is sent",
            trigger: '.o_form_view.o_purchase_order .o_xero_status_button:contains("Sent")',
        },
        {
            content: "Open its other information",
            trigger: '.o_notebook .nav-link:contains("Other Information")',
            run: "click",
        },
        {
            content: "Approved in Xero",
            trigger: '.o_field_widget[name="xero_remote_status"]:contains("Approved")',
        },
    ],
});
