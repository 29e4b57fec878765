package sidekick

import (
	"fmt"
	"strings"
	"time"

	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

// Event features by index, exact for any seed: every 4th event recurs
// (30 of 120), cycling through recurForms; every 6th from the 4th is all
// day (20 of 120, plus recurring forms marked allDay); every 5th from the
// 2nd has an alarm (24 of 120).
//
// All-day events are written the way Nokia's Series 60 organiser wrote day
// events in vCalendar 1.0: floating midnight to the next day's midnight
// (DTSTART:20090315T000000, DTEND:20090316T000000), since vCal 1.0's
// grammar has no date-only value. (The real Sidekick's form is not
// documented anywhere we found.)
const (
	recurEvery  = 4
	allDayEvery = 6
	allDayAt    = 3
	alarmEvery  = 5
	alarmAt     = 1
)

// recurForm is one RRULE shape and how to move a random day onto it, so
// that DTSTART is the rule's first occurrence.
type recurForm struct {
	rule   string // may hold %s for an end date, filled by until
	align  func(d time.Time) time.Time
	until  func(start time.Time) time.Time
	allDay bool
}

func sameDay(d time.Time) time.Time { return d }

func nextWeekday(wd time.Weekday) func(time.Time) time.Time {
	return func(d time.Time) time.Time { return d.AddDate(0, 0, (int(wd)-int(d.Weekday())+7)%7) }
}

func nthInMonth(p int, wd time.Weekday) func(time.Time) time.Time {
	return func(d time.Time) time.Time {
		t, _ := nthWeekday(d.Year(), d.Month(), p, wd)
		return t
	}
}

func dayOfMonth(n int) func(time.Time) time.Time { // n < 0 counts from the end
	return func(d time.Time) time.Time {
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		if n < 0 {
			n = daysIn(first) + 1 + n
		}
		return first.AddDate(0, 0, n-1)
	}
}

func inMonth(m time.Month) func(time.Time) time.Time {
	return func(d time.Time) time.Time { return time.Date(d.Year(), m, min(d.Day(), 28), 0, 0, 0, 0, time.UTC) }
}

var recurForms = []recurForm{
	{rule: "D1 #5", align: sameDay},
	{rule: "D2 #0", align: sameDay},
	{rule: "W1 MO WE FR #10", align: nextWeekday(time.Monday)},
	{rule: "W2 TU 20091231T000000Z", align: nextWeekday(time.Tuesday)},
	{rule: "W1 #8", align: sameDay},
	{rule: "MP1 1+ MO #6", align: nthInMonth(1, time.Monday)},
	{rule: "MP1 2- FR #4", align: nthInMonth(-2, time.Friday)},
	{rule: "MP2 1+ 3+ TH #6", align: nthInMonth(1, time.Thursday)},
	{rule: "MD1 15 #12", align: dayOfMonth(15)},
	{rule: "MD1 LD #3", align: dayOfMonth(-1)},
	{rule: "MD1 1 15 #6", align: dayOfMonth(1)},
	{rule: "YM1 6 #0", align: inMonth(time.June), allDay: true},
	{rule: "YM1 3 9 #4", align: inMonth(time.March)},
	{rule: "YD1 100 #5", align: func(d time.Time) time.Time { return time.Date(d.Year(), 1, 100, 0, 0, 0, 0, time.UTC) }},
	{rule: "D7", align: sameDay},                // no duration: #2
	{rule: "YD1", align: sameDay, allDay: true}, // no modifier: DTSTART's day of the year; #2
	{rule: "MP1 1- SU %s", align: nthInMonth(-1, time.Sunday),
		until: func(s time.Time) time.Time { return dateOf(s).AddDate(0, 5, 0) }},
}

var (
	eventSummaries = []string{"Dentist", "Team meeting", "Soccer practice", "Flight to SFO", "Mom's birthday",
		"Rent due", "Oil change", "Parent-teacher conference", "Band practice", "Dinner with Marcus",
		"Café with Zoë", "Встреча с Ольгой", "歯医者", "Γυμναστήριο", "Cumpleaños de José", "Lunch w/ Łucja",
		"Book club", "Haircut", "Yoga", "1:1 with manager", "Pick up dry cleaning", "生日聚会"}
	eventLocations = []string{"Starbucks, 4th & Pike", "Conference Room B", "Bellevue Square", "東京駅",
		"Kraków Główny", "Home", "Dr. Ng's office, Suite 210", "Qwest Field", "Café de Flore"}
	eventDescriptions = []string{"Bring the insurance card.", "Agenda:\n1. Q3 numbers\n2. Sidekick LX launch\n3. AOB",
		"Call if running late: (206) 555-0143", "Не забыть подарок!\nКупить цветы.", "Parking on level P2. Validate the ticket at reception before you leave the building.",
		"持ち物: パスポート"}
	categories = []string{"MEETING", "PERSONAL", "BUSINESS", "MISCELLANEOUS", "HOLIDAY"}
	alarmLeads = []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 24 * time.Hour}
	durations  = []time.Duration{30 * time.Minute, 45 * time.Minute, time.Hour, 90 * time.Minute, 2 * time.Hour, 3 * time.Hour}
)

const prodID = "-//Danger Inc//Sidekick Organizer (sim)//EN"

var eventsFrom = time.Date(2009, 1, 5, 0, 0, 0, 0, time.UTC)

// event writes event i as a vCalendar 1.0 file.
func (g *gen) event(i int) (dataset.File, dataset.Event) {
	r := g.rng(streamEvent, i)
	e := dataset.Event{File: fmt.Sprintf("/Calendar/E%04d.vcs", i+1)}
	day := eventsFrom.AddDate(0, 0, r.IntN(268)) // to the end of September 2009

	var form *recurForm
	if i%recurEvery == 0 {
		form = &recurForms[(i/recurEvery)%len(recurForms)]
		day = form.align(day)
	}
	e.AllDay = i%allDayEvery == allDayAt || (form != nil && form.allDay)
	if e.AllDay {
		e.Start, e.End, e.Floating = day, day.AddDate(0, 0, 1), true
	} else {
		e.Start = day.Add(time.Duration(7*60+15*r.IntN(14*4)) * time.Minute)
		e.End = e.Start.Add(pick(r, durations))
		e.Floating = r.IntN(2) == 0
	}
	stamp := func(t time.Time) string {
		if e.Floating {
			return t.Format("20060102T150405")
		}
		return t.Format("20060102T150405Z")
	}

	e.Summary = pick(r, eventSummaries)
	if r.IntN(10) < 6 {
		e.Location = pick(r, eventLocations)
	}
	if r.IntN(10) < 3 {
		e.Description = pick(r, eventDescriptions)
	}
	if i%3 != 2 {
		e.UID = fmt.Sprintf("hiptop-%016x", r.Uint64())
	}
	mod := modified(r, 270*24*time.Hour)

	var b vcardWriter
	b.line("BEGIN:VCALENDAR")
	b.line("VERSION:1.0")
	b.line("PRODID:" + prodID)
	b.line("BEGIN:VEVENT")
	if e.UID != "" {
		b.prop("UID", "", e.UID)
	}
	b.prop("SUMMARY", "", e.Summary)
	if e.Description != "" {
		b.prop("DESCRIPTION", "", e.Description)
	}
	if e.Location != "" {
		b.prop("LOCATION", "", e.Location)
	}
	b.line("DTSTART:" + stamp(e.Start))
	b.line("DTEND:" + stamp(e.End))
	if form != nil {
		e.RRule = form.rule
		if form.until != nil {
			e.RRule = fmt.Sprintf(form.rule, form.until(e.Start).Format("20060102T150405Z"))
		}
		rule, err := parseRRule(e.RRule)
		if err != nil {
			panic(err) // a bad entry in recurForms
		}
		e.Occurrences = occurrences(rule, e.Start)
		b.line("RRULE:" + e.RRule)
	}
	if i%alarmEvery == alarmAt {
		e.AlarmBefore = pick(r, alarmLeads)
		at := stamp(e.Start.Add(-e.AlarmBefore))
		text := "Reminder"
		if isASCII(e.Summary) {
			text = "Reminder: " + e.Summary
		}
		switch r.IntN(3) {
		case 0:
			b.line("AALARM:" + at + ";;;")
		case 1:
			b.line("DALARM:" + at + ";PT5M;1;" + text)
		default: // as many phones did: both, same time
			b.line("DALARM:" + at + ";PT5M;1;" + text)
			b.line("AALARM:" + at + ";;;")
		}
	}
	if r.IntN(2) == 0 {
		b.line("CATEGORIES:" + pick(r, categories))
	}
	b.line("X-IRMC-LUID:" + fmt.Sprintf("%012X", 0x20000+i))
	b.line("LAST-MODIFIED:" + mod.Format("20060102T150405Z"))
	b.line("END:VEVENT")
	b.line("END:VCALENDAR")
	return dataset.File{Path: e.File, Format: dataset.FormatVCal1, Data: b.Bytes(), Modified: mod}, e
}

var todoSummaries = []string{"Pay phone bill", "Back up Sidekick", "Renew passport", "Buy milk", "Call Grandma",
	"File taxes", "Return library books", "Order new battery", "Zadzwonić do Łucji", "Купить билеты",
	"牛乳を買う", "Schedule oil change", "Send thank-you cards", "Fix bike tyre"}

// Every 8th to-do from the 6th has no due date; every 3rd is completed, and
// every 9th of all has STATUS:COMPLETED without a COMPLETED time.
func (g *gen) todo(i int) (dataset.File, dataset.Todo) {
	r := g.rng(streamTodo, i)
	t := dataset.Todo{File: fmt.Sprintf("/Calendar/T%04d.vcs", i+1)}
	t.Summary = pick(r, todoSummaries)
	t.Priority = 1 + r.IntN(3)
	t.Floating = r.IntN(2) == 0
	if i%8 != 5 {
		t.Due = eventsFrom.AddDate(0, 1, r.IntN(300)).Add(time.Duration(9+r.IntN(10)) * time.Hour)
	}
	if i%3 == 0 {
		t.Completed = true
		if i%9 != 0 {
			t.CompletedAt = phoneNow.Add(-time.Duration(3600+r.IntN(200*24*3600)) * time.Second)
		}
	}
	if i%4 == 1 {
		t.UID = fmt.Sprintf("hiptop-todo-%012x", r.Int64N(1<<48))
	}
	mod := modified(r, 200*24*time.Hour)
	if t.Completed && !t.CompletedAt.IsZero() {
		mod = t.CompletedAt
	}

	var b vcardWriter
	b.line("BEGIN:VCALENDAR")
	b.line("VERSION:1.0")
	b.line("PRODID:" + prodID)
	b.line("BEGIN:VTODO")
	if t.UID != "" {
		b.prop("UID", "", t.UID)
	}
	b.prop("SUMMARY", "", t.Summary)
	if !t.Due.IsZero() {
		if t.Floating {
			b.line("DUE:" + t.Due.Format("20060102T150405"))
		} else {
			b.line("DUE:" + t.Due.Format("20060102T150405Z"))
		}
	}
	b.line(fmt.Sprintf("PRIORITY:%d", t.Priority))
	if t.Completed {
		b.line("STATUS:COMPLETED")
		if !t.CompletedAt.IsZero() {
			b.line("COMPLETED:" + t.CompletedAt.Format("20060102T150405Z"))
		}
	} else {
		b.line("STATUS:NEEDS ACTION")
	}
	b.line("X-IRMC-LUID:" + fmt.Sprintf("%012X", 0x30000+i))
	b.line("LAST-MODIFIED:" + mod.Format("20060102T150405Z"))
	b.line("END:VTODO")
	b.line("END:VCALENDAR")
	return dataset.File{Path: t.File, Format: dataset.FormatVCal1, Data: b.Bytes(), Modified: mod}, t
}

func isASCII(s string) bool {
	return !strings.ContainsFunc(s, func(c rune) bool { return c >= 0x80 })
}
