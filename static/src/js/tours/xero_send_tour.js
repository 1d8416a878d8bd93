/** @odoo-module */
/**
 * Send to Xero from the dashboard: post a draft invoice (the test opens its
 * form), see it waiting, open the Xero dashboard, "Send data now", and find
 * it among the documents sent today.
 */
import { registry } from "@web/core/registry";
import { openXeroMenu, sendNowSteps } from "@account_xero/js/tours/xero_tour_steps";

registry.category("web_tour.tours").add("xero_send_tour", {
    steps: () => [
        {
            content: "Post the invoice",
            trigger: '.o_form_statusbar button[name="action_post"]',
            run: "click",
        },
        {
            content: "It is waiting to be sent to Xero",
            trigger: '.o_xero_status_button:contains("Waiting to be sent")',
        },
        ...openXeroMenu("account_xero.menu_xero_dashboard", "Open the Xero dashboard"),
        {
            content: "One document waits",
            trigger: '.o_kanban_record .o_xero_waiting .fs-3:contains("1")',
        },
        ...sendNowSteps(),
        {
            content: "Open what was sent today (the invoice and its new contact)",
            trigger: '.o_kanban_record .o_xero_sent:has(.fs-3:contains("2"))',
            run: "click",
        },
        {
            content: "The invoice is there, sent",
            trigger: '.o_data_row:contains("INV/") .badge:contains("Sent")',
        },
    ],
});
