package sidekick

// A culture is a pool of names written in one script. Each entry is
// "native|ascii": the name as the card holds it and a romanisation for
// e-mail handles.
type culture struct {
	givens, families []string
	familyFirst      bool // FN is "Family Given" (East Asian, Vietnamese)
	joined           bool // no space between family and given in FN (Chinese, Korean)
	addresses        []postal
}

type postal struct {
	street, city, region, postcode, country string
}

var english = culture{
	givens: []string{"James|james", "Mary|mary", "John|john", "Patricia|patricia", "Robert|robert",
		"Jennifer|jennifer", "Michael|michael", "Linda|linda", "David|david", "Elizabeth|elizabeth",
		"William|william", "Barbara|barbara", "Kevin|kevin", "Susan|susan", "Tyrone|tyrone",
		"Ashley|ashley", "Brandon|brandon", "Nicole|nicole", "Marcus|marcus", "Tiffany|tiffany"},
	families: []string{"Smith|smith", "Johnson|johnson", "Williams|williams", "Brown|brown",
		"Jones|jones", "Garcia|garcia", "Miller|miller", "Davis|davis", "Rodriguez|rodriguez",
		"Martinez|martinez", "Anderson|anderson", "Taylor|taylor", "Thomas|thomas", "Moore|moore",
		"Jackson|jackson", "Lee|lee", "Thompson|thompson", "White|white", "Harris|harris", "O'Brien|obrien"},
	addresses: []postal{
		{"Pike St", "Seattle", "WA", "98101", "USA"},
		{"Mission St", "San Francisco", "CA", "94105", "USA"},
		{"University Ave", "Palo Alto", "CA", "94301", "USA"},
		{"Flatbush Ave", "Brooklyn", "NY", "11217", "USA"},
		{"Peachtree St NE", "Atlanta", "GA", "30303", "USA"},
		{"Congress Ave", "Austin", "TX", "78701", "USA"},
		{"Lake Shore Dr", "Chicago", "IL", "60611", "USA"},
	},
}

var cultures = []culture{
	{ // Polish
		givens:   []string{"Łucja|lucja", "Małgorzata|malgorzata", "Paweł|pawel", "Grzegorz|grzegorz", "Żaneta|zaneta", "Wojciech|wojciech", "Jędrzej|jedrzej"},
		families: []string{"Wrześniewska|wrzesniewska", "Kowalczyk|kowalczyk", "Wiśniewski|wisniewski", "Dąbrowski|dabrowski", "Zieliński|zielinski", "Szymańska|szymanska", "Błaszczykowski|blaszczykowski"},
		addresses: []postal{
			{"ul. Świętokrzyska", "Warszawa", "mazowieckie", "00-116", "Polska"},
			{"ul. Długa", "Gdańsk", "pomorskie", "80-827", "Polska"},
		},
	},
	{ // Turkish
		givens:   []string{"Ayşe|ayse", "Çağrı|cagri", "Gülşen|gulsen", "Oğuz|oguz", "İlker|ilker", "Şükrü|sukru"},
		families: []string{"Çelik|celik", "Öztürk|ozturk", "Şahin|sahin", "Yıldız|yildiz", "Doğan|dogan"},
		addresses: []postal{
			{"İstiklal Caddesi", "İstanbul", "Beyoğlu", "34433", "Türkiye"},
		},
	},
	{ // Western European with diacritics
		givens:   []string{"Zoë|zoe", "Chloé|chloe", "François|francois", "Jürgen|juergen", "Søren|soren", "José|jose", "Inés|ines", "Björn|bjorn", "Renée|renee", "Þórunn|thorunn"},
		families: []string{"Müller|mueller", "Fernández|fernandez", "Lefèvre|lefevre", "Sørensen|sorensen", "Núñez|nunez", "Brontë|bronte", "Østergaard|ostergaard", "Groß|gross", "Guðmundsdóttir|gudmundsdottir"},
		addresses: []postal{
			{"Straße des 17. Juni", "Berlin", "", "10623", "Deutschland"},
			{"Rue de l'Église", "Montréal", "Québec", "H4G 2M4", "Canada"},
			{"Calle de Alcalá", "Madrid", "", "28014", "España"},
			{"Nørrebrogade", "København", "", "2200", "Danmark"},
		},
	},
	{ // Vietnamese
		givens:      []string{"Thảo|thao", "Dũng|dung", "Hương|huong", "Quốc Anh|quocanh", "Ngọc|ngoc"},
		families:    []string{"Nguyễn|nguyen", "Trần|tran", "Phạm|pham", "Lê|le", "Đặng|dang"},
		familyFirst: true,
		addresses: []postal{
			{"Đường Đồng Khởi", "Thành phố Hồ Chí Minh", "", "700000", "Việt Nam"},
		},
	},
	{ // Russian / Ukrainian (Cyrillic)
		givens:   []string{"Иван|ivan", "Ольга|olga", "Дмитрий|dmitry", "Наталья|natalya", "Сергей|sergey", "Екатерина|ekaterina", "Юлія|yuliia", "Євген|yevhen"},
		families: []string{"Смирнов|smirnov", "Кузнецова|kuznetsova", "Попов|popov", "Соколова|sokolova", "Лебедев|lebedev", "Шевченко|shevchenko"},
		addresses: []postal{
			{"Тверская улица", "Москва", "", "125009", "Россия"},
			{"вулиця Хрещатик", "Київ", "", "01001", "Україна"},
		},
	},
	{ // Greek
		givens:   []string{"Γιώργος|giorgos", "Ελένη|eleni", "Δημήτρης|dimitris", "Σοφία|sofia", "Αθανάσιος|athanasios"},
		families: []string{"Παπαδόπουλος|papadopoulos", "Οικονόμου|oikonomou", "Αλεξίου|alexiou", "Καραγιάννη|karagianni"},
		addresses: []postal{
			{"Οδός Ερμού", "Αθήνα", "Αττική", "105 63", "Ελλάδα"},
		},
	},
	{ // Japanese
		givens:      []string{"太郎|taro", "花子|hanako", "翔太|shota", "さくら|sakura", "健一|kenichi", "美咲|misaki"},
		families:    []string{"山田|yamada", "佐藤|sato", "鈴木|suzuki", "高橋|takahashi", "渡辺|watanabe", "伊藤|ito"},
		familyFirst: true,
		addresses: []postal{
			{"銀座四丁目", "中央区", "東京都", "104-0061", "日本"},
			{"梅田三丁目", "大阪市北区", "大阪府", "530-0001", "日本"},
		},
	},
	{ // Chinese
		givens:      []string{"伟|wei", "芳|fang", "秀英|xiuying", "明|ming", "静|jing", "志强|zhiqiang"},
		families:    []string{"王|wang", "李|li", "张|zhang", "刘|liu", "陈|chen", "黄|huang"},
		familyFirst: true, joined: true,
		addresses: []postal{
			{"南京东路", "上海市", "上海", "200001", "中国"},
		},
	},
	{ // Korean
		givens:      []string{"민준|minjun", "서연|seoyeon", "지훈|jihoon", "하은|haeun"},
		families:    []string{"김|kim", "이|lee", "박|park", "최|choi"},
		familyFirst: true, joined: true,
	},
	{ // Arabic
		givens:   []string{"محمد|mohammed", "فاطمة|fatima", "عبد الرحمن|abdulrahman", "ليلى|layla", "يوسف|youssef"},
		families: []string{"الحسيني|alhusseini", "العتيبي|alotaibi", "حداد|haddad", "منصور|mansour", "الشامي|alshami"},
		addresses: []postal{
			{"شارع الملك فهد", "الرياض", "", "12271", "السعودية"},
		},
	},
	{ // Hebrew
		givens:   []string{"נועה|noa", "דוד|david", "מיכל|michal"},
		families: []string{"כהן|cohen", "לוי|levi", "מזרחי|mizrahi"},
	},
	{ // Hindi
		givens:   []string{"प्रिया|priya", "राहुल|rahul", "अनन्या|ananya"},
		families: []string{"शर्मा|sharma", "वर्मा|verma", "पटेल|patel"},
	},
	{ // Thai
		givens:   []string{"สมชาย|somchai", "สุดา|suda"},
		families: []string{"ใจดี|jaidee", "ศรีสุข|srisuk"},
	},
}

var (
	mailDomains = []string{"tmail.com", "gmail.com", "yahoo.com", "hotmail.com", "aol.com", "example.org", "mac.com"}
	orgs        = []string{"T-Mobile USA", "Danger, Inc.", "Microsoft", "Café Müller", "Sony Ericsson", "Boeing", "株式会社ソニー", "Starbucks", "University of Washington", "Ελληνικά Ταχυδρομεία"}
	shortNotes  = []string{"Met at CES 2008", "Gate code 4471", "Allergic to peanuts", "Owes me $20", "Dentist — Tue/Thu only",
		"Sidekick buddy from the forums", "Kindergarten pick-up backup", "Не звонить после 22:00", "誕生日プレゼント: 本", "Πάντα αργεί"}
	longNotes = []string{
		"Met at Jenna's wedding in Tacoma. Works in logistics, knows everyone at the Port. Ask about the boat before you ask about work.",
		"Landlord.\nRent due on the 1st, checks to the PO box.\nEmergency plumber: call the main number first.",
		"Żona Pawła. Pracuje w szpitalu na nocne zmiany — dzwonić tylko po południu.\nUlubione ciasto: sernik.",
		"Band practice Wednesdays.\nBrings the van.\nNever lend him the amp again.",
		"東京出張のときの連絡先。英語が通じる。\n会社の住所は名刺を参照。",
	}
)
